package devserver

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync/atomic"

	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
)

// serverLogger hands the Temporal server's log lines to an slog.Logger, dropping
// those below its level before any attribute is built. Once quiet is set (when
// Stop begins) it drops everything: services shutting down one after another
// log errors about each other that mean nothing.
type serverLogger struct {
	log   *slog.Logger
	level slog.Level
	quiet *atomic.Bool
	attrs []slog.Attr
}

var (
	_ log.Logger     = (*serverLogger)(nil)
	_ log.WithLogger = (*serverLogger)(nil)
)

// parseLevel maps a Temporal log level name to an slog level.
func parseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error", "dpanic", "panic", "fatal":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("unknown log level %q (want debug, info, warn or error)", s)
}

func (l *serverLogger) Debug(msg string, tags ...tag.Tag) { l.emit(slog.LevelDebug, msg, tags) }
func (l *serverLogger) Info(msg string, tags ...tag.Tag)  { l.emit(slog.LevelInfo, msg, tags) }
func (l *serverLogger) Warn(msg string, tags ...tag.Tag)  { l.emit(slog.LevelWarn, msg, tags) }
func (l *serverLogger) Error(msg string, tags ...tag.Tag) { l.emit(slog.LevelError, msg, tags) }
func (l *serverLogger) DPanic(msg string, tags ...tag.Tag) {
	l.emit(slog.LevelError, msg, tags)
}

// Panic logs and panics, as the server's own zap logger does.
func (l *serverLogger) Panic(msg string, tags ...tag.Tag) {
	l.emit(slog.LevelError, msg, tags)
	panic(msg)
}

// Fatal logs and exits, as the server's own zap logger does: the server relies on
// Fatal not returning. The line also goes straight to stderr, whatever the
// level, quiet or handler: a handler may buffer (a test's log is printed when
// the test ends, which it now never does) or drop it, and an exit with no
// reason is the worst kind.
func (l *serverLogger) Fatal(msg string, tags ...tag.Tag) {
	l.emit(slog.LevelError, msg, tags)
	var b strings.Builder
	fmt.Fprintf(&b, "temporal server: fatal: %s", msg)
	for _, a := range appendTags(slices.Clone(l.attrs), tags) {
		fmt.Fprintf(&b, " %s", a)
	}
	fmt.Fprintln(os.Stderr, b.String())
	os.Exit(1)
}

// With returns a logger that adds tags to every line.
func (l *serverLogger) With(tags ...tag.Tag) log.Logger {
	attrs := make([]slog.Attr, len(l.attrs), len(l.attrs)+len(tags))
	copy(attrs, l.attrs)
	return &serverLogger{log: l.log, level: l.level, quiet: l.quiet, attrs: appendTags(attrs, tags)}
}

func (l *serverLogger) emit(level slog.Level, msg string, tags []tag.Tag) {
	if level < l.level || l.quiet.Load() || !l.log.Enabled(context.Background(), level) {
		return
	}
	attrs := make([]slog.Attr, len(l.attrs), len(l.attrs)+len(tags))
	copy(attrs, l.attrs)
	l.log.LogAttrs(context.Background(), level, msg, appendTags(attrs, tags)...)
}

func appendTags(attrs []slog.Attr, tags []tag.Tag) []slog.Attr {
	for _, t := range tags {
		attrs = append(attrs, slog.Any(t.Key(), t.Value()))
	}
	return attrs
}

// discardLogger returns a logger that writes nothing.
func discardLogger() *slog.Logger {
	return slog.New(slog.DiscardHandler)
}
