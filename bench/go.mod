module steward.dev/bench

go 1.26

require steward.dev/gen v0.0.0

replace steward.dev/gen => ../gen

require (
	steward.dev/db v0.0.0
	steward.dev/platform v0.0.0
	steward.dev/services v0.0.0
)

replace (
	steward.dev/db => ../db
	steward.dev/platform => ../platform
	steward.dev/services => ../services
)
