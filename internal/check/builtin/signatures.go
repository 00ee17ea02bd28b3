package builtin

import "bytes"

// gtube is the Generic Test for Unsolicited Bulk Email
// (https://spamassassin.apache.org/gtube/).
const gtube = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"

// eicar is the 68-byte EICAR anti-virus test file
// (https://www.eicar.org/download-anti-malware-testfile/), kept in two
// halves so that this source file is no EICAR file itself.
var eicar = []byte(`X5O!P%@AP[4\PZX54(P^)7CC)7}` + `$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`)

// isEICAR reports whether head, the start of a decoded part or an archive
// entry, is the EICAR file: the file begins with the EICAR string (after
// white space, which EICAR's definition allows only after it; mail
// clients add line ends before it).
func isEICAR(head []byte) bool {
	return bytes.HasPrefix(bytes.TrimLeft(head, " \t\r\n"), eicar)
}

// isZip reports whether head begins with a ZIP local file header
// (APPNOTE.TXT section 4.3.7).
func isZip(head []byte) bool {
	return bytes.HasPrefix(head, []byte("PK\x03\x04"))
}
