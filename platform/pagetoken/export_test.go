package pagetoken

import "google.golang.org/protobuf/types/known/wrapperspb"

// PageWithin is Page with a byte budget of the test's choosing.
var PageWithin = page[string, *wrapperspb.StringValue]
