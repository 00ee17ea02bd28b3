package builtin

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
)

// zip inspects the entries of the archive data, which is depth archives
// deep (1: attached to the message). Of an entry only its head is
// decompressed, unless it is an archive itself: so a ZIP bomb costs
// headSize bytes an entry, and a nested one at most MaxPartBytes.
func (s *scanner) zip(data []byte, depth int) error {
	if depth > s.lim.MaxZipDepth {
		s.uninspected("an archive nested %d deep was not opened (the limit is %d)", depth, s.lim.MaxZipDepth)
		return nil
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		s.uninspected("an archive could not be opened: %v", err)
		return nil
	}
	for _, f := range zr.File {
		if s.zipEntries >= s.lim.MaxZipEntries {
			s.uninspected("the archives have more than %d entries; the rest were not inspected", s.lim.MaxZipEntries)
			return nil
		}
		s.zipEntries++
		if f.FileInfo().IsDir() {
			continue
		}
		if err := s.zipEntry(f, depth); err != nil {
			return err
		}
	}
	return nil
}

// zipEntry inspects one entry of an archive depth deep.
func (s *scanner) zipEntry(f *zip.File, depth int) error {
	rc, err := f.Open()
	if err != nil {
		s.uninspected("archive entry %q could not be opened: %v", f.Name, err)
		return nil
	}
	defer func() { _ = rc.Close() }()
	lr := &io.LimitedReader{R: rc, N: s.lim.MaxPartBytes + 1}
	head := make([]byte, headSize)
	n, err := io.ReadFull(lr, head)
	head = head[:n]
	if !s.spend(int64(n)) {
		return errStop
	}
	if isEICAR(head) {
		s.res.Malware = EICAR
	}
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		s.uninspected("archive entry %q could not be read: %v", f.Name, err)
		return nil
	}
	if !isZip(head) {
		return nil
	}
	rest, err := io.ReadAll(lr)
	if !s.spend(int64(len(rest))) {
		return errStop
	}
	switch {
	case err != nil:
		s.uninspected("archive entry %q could not be read: %v", f.Name, err)
		return nil
	case lr.N == 0:
		s.uninspected("archive entry %q is larger than %d bytes and was not opened", f.Name, s.lim.MaxPartBytes)
		return nil
	}
	return s.zip(append(head, rest...), depth+1)
}
