package calendar

import (
	"archive/zip"
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"sync"
	"time"
)

// zoneinfoZip is the IANA time zone database as the Go distribution ships it
// ($GOROOT/lib/time/zoneinfo.zip, public domain), embedded with the calendar:
// every worker computes deadlines on the same zone rules, whatever zoneinfo its
// host has, so a case replayed on another host computes the same deadlines.
// Refresh it with the Go toolchain (copy the file of the Go version in go.mod).
//
//go:embed data/zoneinfo.zip
var zoneinfoZip []byte

var zones struct {
	sync.Mutex
	loaded map[string]*time.Location
}

// LoadZone is the IANA zone name from the embedded zone database, never from
// the host's zoneinfo (time.LoadLocation prefers the host's). "UTC" and "" are
// UTC.
func LoadZone(name string) (*time.Location, error) {
	if name == "" || name == "UTC" {
		return time.UTC, nil
	}
	zones.Lock()
	defer zones.Unlock()
	if loc, ok := zones.loaded[name]; ok {
		return loc, nil
	}
	r, err := zipReader()
	if err != nil {
		return nil, err
	}
	f, err := r.Open(name)
	if err != nil {
		return nil, fmt.Errorf("zone %q: unknown time zone", name)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("zone %q: %w", name, err)
	}
	loc, err := time.LoadLocationFromTZData(name, data)
	if err != nil {
		return nil, fmt.Errorf("zone %q: %w", name, err)
	}
	if zones.loaded == nil {
		zones.loaded = map[string]*time.Location{}
	}
	zones.loaded[name] = loc
	return loc, nil
}

// zipReader opens the embedded zone database.
func zipReader() (*zip.Reader, error) {
	r, err := zip.NewReader(bytes.NewReader(zoneinfoZip), int64(len(zoneinfoZip)))
	if err != nil {
		return nil, fmt.Errorf("embedded zone database: %w", err)
	}
	return r, nil
}
