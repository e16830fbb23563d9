package e2e_test

import (
	"crypto"
	"strconv"
)

const crypto256 = crypto.SHA256

func jsonNum(n int64) string { return strconv.FormatInt(n, 10) }
