// Command caseflow-bench measures caseflow against a bare Temporal workflow on a
// fresh embedded server. It is a development tool, kept out of the caseflow binary;
// make bench runs it.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/caseflow/caseflow/internal/bench"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		// --help printed the usage: asked for, not a failure.
	case err != nil:
		fmt.Fprintln(os.Stderr, "caseflow-bench:", err)
		os.Exit(1)
	}
}

// run parses the command line and runs the benchmark.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return newCmd(stdout, stderr).ParseAndRun(ctx, args)
}

// newCmd is the command with its flags; it reports to stdout and shows progress on stderr.
func newCmd(stdout, stderr io.Writer) *ffcli.Command {
	fs := flag.NewFlagSet("caseflow-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		quick      = fs.Bool("quick", false, "smoke run of about a minute: small sizes, one round, synchronous=FULL only (timings mean little)")
		out        = fs.String("out", "", "also write the figures as JSON to this file")
		parked     = fs.Int("parked", 0, "cases of each variant parked waiting for a verdict (default 1000, 200 with --quick)")
		sync       = fs.String("synchronous", "", "SQLite synchronous pragma of the embedded server: FULL, NORMAL or both (default both, FULL with --quick)")
		latency    = fs.Duration("latency", 5*time.Millisecond, "mocked latency of every mail and records call")
		inFlight   = fs.Int("in-flight", 0, "cases in flight at saturation (default 32, 8 with --quick)")
		duration   = fs.Duration("duration", 0, "measured time of each throughput and latency run (default 4s, 2s with --quick)")
		rounds     = fs.Int("rounds", 0, "runs of each variant per scenario, in mirrored order (default 2, 1 with --quick)")
		cpuProfile = fs.String("cpuprofile", "", "write a CPU profile of the whole run (server, workers and drivers) to this file")
		memProfile = fs.String("memprofile", "", "write a heap profile taken while the first round's caseflow cases are parked to this file")
		scale      = fs.Int("scale", 0, "instead of the comparison, park this many caseflow PLC cases on the caches caseflow dev uses and report RSS at 1k, 10k, 30k, 100k and N, then an evicted case's event latency")
		wfCache    = fs.Int("workflow-cache", 0, "cases the workers keep in memory (default caseflow dev's, 1000)")
		execCache  = fs.Int("execution-cache", 0, "executions the embedded server keeps cached (default caseflow dev's, 4096)")
		partitions = fs.Int("partitions", 0, "task queue partitions of the embedded server (default Temporal's, 4)")
		consult    = fs.Bool("consultation", false, "also measure consultations, open to complete, against a bare workflow of their shape (about 30 s a mode)")
	)
	return &ffcli.Command{
		Name:       "caseflow-bench",
		ShortUsage: "caseflow-bench [flags]",
		ShortHelp:  "Measure caseflow against a bare Temporal workflow on a fresh embedded server.",
		LongHelp: "caseflow-bench starts a fresh embedded Temporal server in a temporary directory and runs each\n" +
			"scenario (throughput, latency, parked cases, replay, SQLite ceiling) for caseflow's PLC case\n" +
			"and for a baseline workflow with the same activities, timers and waits, interleaved. It\n" +
			"prints one table; every ratio is caseflow's figure divided by the baseline's.",
		FlagSet: fs,
		Exec: func(ctx context.Context, _ []string) error {
			opts := bench.Options{
				Quick: *quick, Parked: *parked, Latency: *latency, InFlight: *inFlight,
				Duration: *duration, Rounds: *rounds, Progress: stderr, Consultation: *consult,
				WorkflowCache: *wfCache, ExecutionCache: *execCache, Partitions: *partitions,
			}
			switch strings.ToUpper(*sync) {
			case "":
			case "BOTH":
				opts.Synchronous = []string{"FULL", "NORMAL"}
			case "FULL", "NORMAL":
				opts.Synchronous = []string{strings.ToUpper(*sync)}
			default:
				return fmt.Errorf("--synchronous %q: want FULL, NORMAL or both", *sync)
			}
			if *memProfile != "" {
				f, err := os.Create(*memProfile)
				if err != nil {
					return fmt.Errorf("--memprofile: %w", err)
				}
				defer f.Close()
				opts.HeapProfile = f
			}
			if *cpuProfile != "" {
				f, err := os.Create(*cpuProfile)
				if err != nil {
					return fmt.Errorf("--cpuprofile: %w", err)
				}
				defer f.Close()
				if err := pprof.StartCPUProfile(f); err != nil {
					return fmt.Errorf("--cpuprofile: %w", err)
				}
				defer pprof.StopCPUProfile()
			}
			var rep any
			var err error
			if *scale > 0 {
				rep, err = bench.RunScale(ctx, opts, *scale, stdout)
			} else {
				rep, err = bench.Run(ctx, opts, stdout)
			}
			if err != nil {
				return err
			}
			if *out != "" {
				raw, err := json.MarshalIndent(rep, "", "  ")
				if err != nil {
					return err
				}
				if err := os.WriteFile(*out, append(raw, '\n'), 0o644); err != nil {
					return fmt.Errorf("--out: %w", err)
				}
			}
			return nil
		},
	}
}
