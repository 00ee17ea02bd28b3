// Command fsfloor measures the file-system floor under mailwiki's spool on
// this machine: how many durable small-file commits per second (create with
// O_EXCL, write, fsync, rename, fsync the directory) N concurrent writers
// reach, with no encryption, SMTP or database involved. mailwiki writes one
// such file per accepted message, so its accept rate cannot exceed this.
//
//	go run ./bench/fsfloor [-dir DIR] [-writers 20] [-files 3000] [-size 20480]
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	dir := flag.String("dir", "", "directory on the file system to measure (default: a temporary directory)")
	writers := flag.Int("writers", 20, "concurrent writers")
	files := flag.Int("files", 3000, "files to write in all")
	size := flag.Int("size", 20480, "bytes per file")
	flag.Parse()
	if *dir == "" {
		d, err := os.MkdirTemp("", "fsfloor-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer os.RemoveAll(d)
		*dir = d
	}
	for _, mode := range []string{"create only", "create+write+fsync+rename+fsync dir"} {
		rate, err := run(*dir, mode, *writers, *files, *size)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Printf("%-40s %6.0f files/s (%d writers)\n", mode, rate, *writers)
	}
}

func run(root, mode string, writers, files, size int) (float64, error) {
	dir, err := os.MkdirTemp(root, "run-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	buf := make([]byte, size)
	var next atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= int64(files); i = next.Add(1) {
				if err := write(dir, fmt.Sprintf("f%d", i), buf, mode != "create only"); err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err, ok := firstErr.Load().(error); ok {
		return 0, err
	}
	return float64(files) / time.Since(start).Seconds(), nil
}

func write(dir, name string, buf []byte, durable bool) error {
	tmp := filepath.Join(dir, name+".tmp")
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if !durable {
		return f.Close()
	}
	if _, err := f.Write(buf); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
