package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// loadState reads a state file written by persist. A missing file is an
// empty state; anything unreadable is an error, so that a typo in the path or
// a damaged file never silently starts an empty site over real content.
func loadState(path string) (state, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return newState(), nil
	}
	if err != nil {
		return state{}, err
	}
	var st state
	if err := json.Unmarshal(data, &st); err != nil {
		return state{}, fmt.Errorf("decode: %w", err)
	}
	if st.NextID < firstID {
		st.NextID = firstID
	}
	for _, a := range st.Attachments {
		if len(a.Versions) == 0 {
			return state{}, fmt.Errorf("attachment %s has no version", a.ID)
		}
	}
	return st, nil
}

// persist writes the state to s.statePath, if set: to a temporary file in
// the same directory, fsynced, renamed over the old file, then the directory
// fsynced, so that a crash leaves either the old or the new file. The caller
// holds s.mu.
func (s *Sandbox) persist() error {
	if s.statePath == "" {
		return nil
	}
	data, err := json.Marshal(&s.st)
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	return writeAtomic(s.statePath, data)
}

func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("create temporary state file: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("fsync %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("rename state file: %w", err)
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open directory %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("fsync directory %s: %w", dir, err)
	}
	return nil
}
