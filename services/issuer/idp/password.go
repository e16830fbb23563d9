package idp

import (
	"fmt"

	"golang.org/x/crypto/bcrypt"
)

// PasswordCost is the bcrypt cost HashPassword uses.
const PasswordCost = 12

// maxPasswordBytes is bcrypt's input limit; longer passwords would be
// silently truncated when compared, so they are refused instead.
const maxPasswordBytes = 72

// dummyHash is compared against when a sign-in names an unknown user, so
// that the response takes as long as for a known user with a wrong password
// and does not reveal which emails exist. Its plaintext was random and
// discarded. Its cost must equal PasswordCost (a test checks).
const dummyHash = "$2a$12$TEt02yY.J4u8CO.vTL8hZ.3py.dl6ryMsZAJ9snLvdkxweGiLYwEK"

// HashPassword returns a bcrypt hash of pw at PasswordCost, for the
// password_hash column of devidp.users.
func HashPassword(pw string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), PasswordCost)
	if err != nil {
		return "", fmt.Errorf("idp: hash password: %w", err)
	}
	return string(h), nil
}

// checkPassword reports whether pw matches hash. It always does the work of
// one bcrypt comparison at (at least) PasswordCost, whatever the input, so a
// caller can pass hash == "" for an unknown user.
func checkPassword(hash, pw string) bool {
	usable := hash != "" && len(pw) <= maxPasswordBytes
	if usable {
		if _, err := bcrypt.Cost([]byte(hash)); err != nil {
			usable = false // corrupt or disabled account: fail, but not faster
		}
	}
	if !usable {
		_ = bcrypt.CompareHashAndPassword([]byte(dummyHash), []byte(pw))
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)) == nil
}
