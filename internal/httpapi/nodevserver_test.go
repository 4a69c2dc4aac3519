//go:build nodevserver

package httpapi

// startHarness has no server to start in a build with the tag nodevserver.
func startHarness() (*harness, error) { return nil, errNoDevServer }
