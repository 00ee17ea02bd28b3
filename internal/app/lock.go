package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockDataDir takes an exclusive lock on DATA_DIR/mailwiki.lock, held until
// the returned file is closed. Two processes on one data directory would
// share a spool and an embedded queue that each believes it owns (start-up
// rescues the jobs a dead process left running), so the second one refuses
// to start.
func lockDataDir(dir string) (*os.File, error) {
	path := filepath.Join(dir, "mailwiki.lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("data_dir %s: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("data_dir %s is in use by another mailwiki process (lock %s): stop that process or choose another data_dir", dir, path)
		}
		return nil, fmt.Errorf("data_dir %s: lock %s: %w", dir, path, err)
	}
	return f, nil
}
