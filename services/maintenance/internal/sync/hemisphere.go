package sync

// southern are the ISO 3166-1 regions lying wholly or mostly (by where
// people live) south of the equator, where "autumn" is March to May. A
// region not listed, or none given, is northern: most homes are.
var southern = map[string]bool{
	"AO": true, "AR": true, "AU": true, "BO": true, "BR": true, "BW": true, "BI": true, "CD": true, "EC": true, "CK": true, "CL": true,
	"FJ": true, "FK": true, "ID": true, "KM": true, "LS": true, "MG": true, "MU": true, "MW": true, "MZ": true,
	"NA": true, "NC": true, "NZ": true, "PE": true, "PF": true, "PG": true, "PY": true, "RE": true, "RW": true,
	"SB": true, "SC": true, "SZ": true, "TL": true, "TO": true, "TZ": true, "UY": true, "VU": true, "WS": true,
	"YT": true, "ZA": true, "ZM": true, "ZW": true,
}

// Hemisphere is "south" for a home in a southern region (its address's
// region code), else "north": what maintenance.home_facts.hemisphere holds.
func Hemisphere(regionCode string) string {
	if southern[regionCode] {
		return "south"
	}
	return "north"
}
