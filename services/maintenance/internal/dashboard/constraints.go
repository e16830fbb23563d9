package dashboard

import (
	"google.golang.org/grpc/codes"

	"steward.dev/platform/apierror"
)

// Constraints is what a violation of the dashboard's tables' constraints
// answers. A feed's home is checked by its insert (no row: NOT_FOUND); the
// foreign key answers the same should the home go in between.
var Constraints = apierror.Constraints{
	"calendar_feeds_tenant_id_home_id_fkey": {Code: codes.NotFound, Field: "parent"},
}
