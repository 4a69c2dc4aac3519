// Package calendar computes deadlines in working time: the zone, weekly hours
// and production-calendar years of a Calendar, named SLA policies over them
// (Set, Policy) and the basis every computed Deadline carries.
//
// The package is pure — no clock, no I/O except LoadConfigFile and resolving a
// zone (from the zone database embedded with the package, data/zoneinfo.zip), no goroutines — so workflows may compute
// deadlines with it from the Set they receive in their input. The Russian
// production calendar for 2025 and 2026 is embedded; other years fall back to
// the Labour Code art. 112 holidays. docs/calendar.md is the reference.
package calendar
