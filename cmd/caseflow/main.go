// Command caseflow runs the caseflow case engine: the all-in-one dev mode, the
// production worker and API, and operators' tools such as the working-time calendar.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/peterbourgon/ff/v3/ffcli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "caseflow:", err)
		}
		os.Exit(1)
	}
}

// run parses the command line and runs the chosen subcommand.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if err := refuseSecretArgs(args); err != nil {
		return err
	}
	root := &ffcli.Command{
		Name:       "caseflow",
		ShortUsage: "caseflow <subcommand> [flags]",
		ShortHelp:  "State-machine case engine for contact-centre cases on Temporal.",
		Subcommands: []*ffcli.Command{
			newDevCmd(stdout, stderr),
			newWorkerCmd(stderr),
			newAPICmd(stderr),
			newServerCmd(stdout, stderr),
			newCalendarCmd(stdout, stderr),
		},
		Exec: func(context.Context, []string) error { return flag.ErrHelp },
	}
	root.FlagSet = flag.NewFlagSet("caseflow", flag.ContinueOnError)
	root.FlagSet.SetOutput(stderr)
	return root.ParseAndRun(ctx, args)
}
