//go:build !unix

package devserver

// lockDataDir does nothing where flock is unavailable: two servers on one data
// dir are not detected there.
func lockDataDir(string) (unlock func() error, err error) {
	return func() error { return nil }, nil
}
