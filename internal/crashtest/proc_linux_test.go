package crashtest

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel kill the child when the test process dies, so a
// test binary killed by its timeout leaves no caseflow holding ports.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
