package sync

// SetPageSize makes s read the feed n changes at a time, so a test reaches
// a page boundary with a few changes.
func SetPageSize(s *Syncer, n int32) { s.pageSize = n }
