// Package spool is mailwiki's durable, encrypted message store. A message is
// written once (Create, Write, Commit), read any number of times (Reader,
// ReadAll) and removed when its job is done or its retention ends (Delete,
// List). Plaintext never touches the disk.
//
// # Durability
//
// Writer.Commit seals the final segment, fsyncs the temporary file, links it
// to its final name (refusing to replace an existing message), removes the
// temporary name and fsyncs the directory. Only after Commit returns nil may
// the SMTP server answer 250. Temporary files left by a crash (names ending in
// ".tmp") are removed by Open. Delete removes the file and fsyncs the
// directory. Directories are 0700, files are 0600.
//
// # Layout
//
// DIR/free holds empty files kept ready for writers (creating a file is the
// most expensive step of a commit on this project's machines): a writer
// writes into a pooled file, and Delete truncates a message to zero bytes
// and renames its file back into the pool instead of unlinking it. Open
// truncates every pooled file, and drops (without truncating) a pooled name
// that a crash left linked to a committed message. See pool.go.
//
// Messages are spread over 32 sub-directories named 00 to 1f by an FNV-1a
// hash of their id, as Postfix hashes its queue directories: file creation,
// links, removals and directory fsyncs serialise per directory, and on this
// project's machines a single flat directory capped concurrent commits
// (accept-only throughput went from 356 to 524 msg/s with 20 sessions).
//
// # Encryption
//
// Envelope encryption: every message gets a random 256-bit data key. The data
// key is wrapped with AES-256-GCM under a master key from the Keyring,
// identified by a key id stored in the file, so master keys can be rotated:
// new messages use the primary key, older keys stay in the keyring to read
// older messages. The wrap binds the message id (as associated data), so a
// file renamed to another id does not decrypt. CreateWithKey wraps the data
// key under a key kept outside the ring instead (an installed tenant's own
// key, found through Keyring.WithResolver): once that key is deleted, the
// message and every copy of its file are unreadable (crypto-shredding).
//
// The body is encrypted with the STREAM construction (Hoang, Reyhanitabar,
// Rogaway, Vizár, "Online Authenticated-Encryption and its Nonce-Reuse
// Misuse-Resistance", 2015) over AES-256-GCM: the plaintext is cut into
// fixed-size segments (64 KiB); segment i is sealed with the nonce
// prefix ‖ uint32be(i) ‖ last, where last is 1 for the final segment and 0
// otherwise, and with the whole file header as associated data. Reordered,
// dropped, duplicated or truncated segments and any change to the header fail
// authentication. The final segment always exists (it is empty for an empty
// message) and only the final segment may be shorter than the segment size.
//
// # File format (version 1)
//
// A message with id ID lives in <dir>/<shard>/ID.msg. All integers are big-endian.
//
//	offset  size  field
//	0       7     magic "MWSPOOL"
//	7       1     version, 1
//	8       1     key id length L, 1..255
//	9       L     key id of the master key that wrapped the data key
//	9+L     12    wrap nonce (random)
//	21+L    48    wrapped data key: AES-256-GCM(master, wrap nonce, data key,
//	              ad = bytes [0, 9+L) ‖ message id), 32 bytes + 16-byte tag
//	69+L    8     created, Unix nanoseconds (from Options.Now)
//	77+L    4     segment size S in plaintext bytes (65536)
//	81+L    7     nonce prefix (random)
//	88+L          segments: S+16 bytes each, the final one 16..S+16 bytes,
//	              AES-256-GCM(data key, prefix ‖ uint32be(i) ‖ last,
//	              plaintext, ad = header bytes [0, 88+L))
//
// The file's modification time is set to the created time, so List can report
// it without decrypting anything.
//
// # Streaming and errors
//
// Writers and readers hold one segment in memory; a 30 MB message is never
// buffered whole. A Reader releases a segment's plaintext only after that
// segment authenticated, but it may have released earlier segments before it
// finds a later one corrupt: a caller must treat any read error as "this
// message is invalid" and discard what it read (ReadAll does). Corruption is
// reported as an error wrapping ErrCorrupt; a missing message as a
// *mailwiki.Error with code ENOTFOUND wrapping fs.ErrNotExist.
package spool
