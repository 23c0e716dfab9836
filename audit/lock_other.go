//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package audit

import (
	"os"
	"sync"
)

// inProcess serializes appends within one process where there is no flock.
var inProcess sync.RWMutex

// lockFile, on systems without flock, only serializes the appends of this
// process: concurrent lockwarden processes are not kept apart here.
func lockFile(_ *os.File, exclusive bool) (unlock func(), err error) {
	if exclusive {
		inProcess.Lock()
		return inProcess.Unlock, nil
	}
	inProcess.RLock()
	return inProcess.RUnlock, nil
}

// syncDir does nothing here: not every system can fsync a directory.
var syncDir = func(string) error { return nil }
