package app

// CountFiles is countFiles, for the external tests.
var CountFiles = countFiles
