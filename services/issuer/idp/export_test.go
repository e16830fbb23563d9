package idp

// DummyHash exposes dummyHash so tests can check its cost.
const DummyHash = dummyHash
