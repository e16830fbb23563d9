package seed

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

const householdName = "Morgan household"

var householdPeople = []person{
	{email: "admin@example.com", name: "Alex Morgan", roles: []string{"owner"}},
	{email: "jamie@example.com", name: "Jamie Morgan", roles: []string{"member"}},
}

// address is the jsonb shape of assets.homes.address (the API's PostalAddress).
type address struct {
	Lines              []string `json:"address_lines"`
	Locality           string   `json:"locality"`
	AdministrativeArea string   `json:"administrative_area"`
	PostalCode         string   `json:"postal_code"`
	RegionCode         string   `json:"region_code"`
}

type home struct {
	key, name string
	address   address
	timeZone  string
	locations []location
	assets    []asset
}

type location struct {
	key, name, kind, floor string
}

// asset is one piece of equipment. Dates are relative to the seed's "today"
// so that warranties stay a mix of expired, expiring and current.
type asset struct {
	key, name, category string
	make, model, serial string
	location            string // location key; "" leaves the asset unplaced
	installed           int    // months ago; 0 means unknown (no install or purchase date)
	costCents           int64  // USD minor units; 0 means unknown
	lifespan            int    // expected lifespan in months
	warranty            int    // warranty term in months from install; 0 means none on record
	status              string // "" means in_service
	attrs               map[string]string
}

// ago converts years and months ago to months.
func ago(years, months int) int { return years*12 + months }

var homes = []home{
	{
		key:  "main",
		name: "Birchwood Lane",
		address: address{
			Lines:              []string{"2184 Birchwood Lane"},
			Locality:           "Saint Paul",
			AdministrativeArea: "MN",
			PostalCode:         "55116",
			RegionCode:         "US",
		},
		timeZone: "America/Chicago",
		locations: []location{
			{key: "kitchen", name: "Kitchen", kind: "room", floor: "1"},
			{key: "living-room", name: "Living room", kind: "room", floor: "1"},
			{key: "laundry", name: "Laundry room", kind: "room", floor: "1"},
			{key: "garage", name: "Garage", kind: "area", floor: "1"},
			{key: "primary-bedroom", name: "Primary bedroom", kind: "room", floor: "2"},
			{key: "kids-bedroom", name: "Kids' bedroom", kind: "room", floor: "2"},
			{key: "primary-bath", name: "Primary bathroom", kind: "room", floor: "2"},
			{key: "hall-bath", name: "Hall bathroom", kind: "room", floor: "2"},
			{key: "attic", name: "Attic", kind: "area", floor: "Attic"},
			{key: "basement", name: "Basement", kind: "area", floor: "Basement"},
			{key: "utility", name: "Utility room", kind: "room", floor: "Basement"},
			{key: "exterior", name: "Roof and exterior", kind: "outdoor"},
			{key: "yard", name: "Backyard", kind: "outdoor"},
		},
		assets: mainHouseAssets,
	},
	{
		key:  "cabin",
		name: "Lake cabin",
		address: address{
			Lines:              []string{"10450 Birch Point Road"},
			Locality:           "Cedar",
			AdministrativeArea: "MI",
			PostalCode:         "49621",
			RegionCode:         "US",
		},
		timeZone: "America/Detroit",
		locations: []location{
			{key: "great-room", name: "Great room", kind: "room", floor: "1"},
			{key: "kitchen", name: "Kitchen", kind: "room", floor: "1"},
			{key: "bath", name: "Bathroom", kind: "room", floor: "1"},
			{key: "utility", name: "Utility closet", kind: "room", floor: "1"},
			{key: "crawlspace", name: "Crawlspace", kind: "area", floor: "Crawlspace"},
			{key: "grounds", name: "Deck and grounds", kind: "outdoor"},
		},
		assets: cabinAssets,
	},
}

var mainHouseAssets = []asset{
	// Heating, cooling and air.
	{key: "furnace", name: "Furnace", category: "hvac-furnace", make: "Carrier", model: "Infinity 98 59MN7A080V21--20", serial: "2216A41873",
		location: "utility", installed: ago(9, 2), costCents: 6_850_00, lifespan: 240, warranty: 120,
		attrs: map[string]string{"fuel": "natural gas", "input_btu": "80000", "afue": "98%", "filter_size": "16x25x4", "filter_merv": "11"}},
	{key: "air-conditioner", name: "Central air conditioner", category: "hvac-air-conditioner", make: "Trane", model: "XR16 4TTR6036J1000AA", serial: "19283KJ54F",
		location: "yard", installed: ago(6, 1), costCents: 5_900_00, lifespan: 180, warranty: 120,
		attrs: map[string]string{"capacity_tons": "3", "cooling_btu": "36000", "refrigerant": "R-410A", "seer": "16", "breaker": "30 A"}},
	{key: "humidifier", name: "Whole-house humidifier", category: "other", make: "Aprilaire", model: "700", serial: "A700-218844",
		location: "utility", installed: ago(9, 2), costCents: 650_00, lifespan: 180, warranty: 60,
		attrs: map[string]string{"water_panel": "Aprilaire 35", "replace_panel": "every autumn"}},
	{key: "erv", name: "Energy recovery ventilator", category: "ventilation", make: "Panasonic", model: "Intelli-Balance 100 FV-04VE1", serial: "7B21140482",
		location: "attic", installed: ago(4, 9), costCents: 1_640_00, lifespan: 180, warranty: 36,
		attrs: map[string]string{"cfm": "40-100", "filter": "FV-FL1014VE1"}},
	{key: "radon-fan", name: "Radon mitigation fan", category: "ventilation", make: "RadonAway", model: "RP145", serial: "RP145-0319-5521",
		location: "basement", installed: ago(7, 0), costCents: 1_350_00, lifespan: 120, warranty: 60,
		attrs: map[string]string{"watts": "41-72", "last_test_pci_l": "0.9"}},
	{key: "fireplace", name: "Gas fireplace", category: "fireplace", make: "Heat & Glo", model: "6000C", serial: "HG6000C-155093",
		location: "living-room", installed: ago(13, 0), costCents: 4_600_00, lifespan: 300,
		attrs: map[string]string{"fuel": "natural gas", "input_btu": "34000", "ignition": "IntelliFire"}},

	// Water.
	{key: "water-heater", name: "Water heater", category: "water-heater", make: "Rheem", model: "Performance Platinum XG50T12HE40U0", serial: "Q021436091",
		location: "utility", installed: ago(11, 5), costCents: 2_150_00, lifespan: 144, warranty: 144,
		attrs: map[string]string{"fuel": "natural gas", "capacity_gallons": "50", "input_btu": "40000", "anode": "magnesium", "flush": "annually"}},
	{key: "water-softener", name: "Water softener", category: "water-softener", make: "Culligan", model: "HE 1\" Softener-Cleer", serial: "CUL-HE-1183604",
		location: "utility", installed: ago(5, 3), costCents: 2_400_00, lifespan: 180, warranty: 120,
		attrs: map[string]string{"grain_capacity": "32000", "salt": "solar salt pellets", "hardness_gpg": "17"}},
	{key: "water-filter", name: "Whole-house water filter", category: "water-filtration", make: "Aquasana", model: "Rhino EQ-1000", serial: "AQ-EQ1000-66102",
		location: "utility", installed: ago(5, 3), costCents: 1_150_00, lifespan: 120, warranty: 120,
		attrs: map[string]string{"pre_filter": "20 micron, every 3 months"}},
	{key: "prv", name: "Pressure reducing valve", category: "plumbing-supply", make: "Watts", model: "LF25AUB-Z3", serial: "",
		location: "utility", installed: ago(13, 0), costCents: 380_00, lifespan: 180, warranty: 12,
		attrs: map[string]string{"size": "3/4\"", "set_pressure_psi": "60"}},
	{key: "sump-pump", name: "Sump pump", category: "sump-pump", make: "Zoeller", model: "M267", serial: "Z267-2211-08842",
		location: "basement", installed: ago(2, 3), costCents: 389_00, lifespan: 120, warranty: 60,
		attrs: map[string]string{"hp": "1/2", "switch": "vertical float", "discharge": "1-1/2\""}},
	{key: "sump-pump-old", name: "Original sump pump", category: "sump-pump", make: "Zoeller", model: "M53 Mighty-Mate", serial: "Z53-0910-31177",
		installed: ago(14, 8), costCents: 169_00, lifespan: 120, warranty: 36, status: "retired",
		attrs: map[string]string{"hp": "3/10", "retired_because": "float switch stuck; replaced by the M267"}},
	{key: "dehumidifier", name: "Basement dehumidifier", category: "other", make: "Santa Fe", model: "Compact70", serial: "SF70-4410382",
		location: "basement", installed: ago(6, 7), costCents: 1_649_00, lifespan: 120, warranty: 72, status: "out_of_service",
		attrs: map[string]string{"pints_per_day": "70", "filter": "MERV-13 4029250", "issue": "not pulling water; compressor suspected"}},
	{key: "kitchen-faucet", name: "Kitchen faucet", category: "plumbing-fixture", make: "Kohler", model: "Simplice K-596-VS", serial: "",
		location: "kitchen", installed: ago(3, 4), costCents: 329_00, lifespan: 240, warranty: 300,
		attrs: map[string]string{"finish": "Vibrant Stainless", "cartridge": "GP1153943"}},
	{key: "primary-toilet", name: "Primary bath toilet", category: "plumbing-fixture", make: "Kohler", model: "Cimarron K-3609", serial: "",
		location: "primary-bath", installed: ago(8, 10), costCents: 449_00, lifespan: 300, warranty: 12,
		attrs: map[string]string{"flush_gpf": "1.28", "flapper": "GP1138930"}},
	{key: "hall-toilet", name: "Hall bath toilet", category: "plumbing-fixture", make: "Kohler", model: "Highline K-3999", serial: "",
		location: "hall-bath", installed: ago(8, 10), costCents: 329_00, lifespan: 300, warranty: 12,
		attrs: map[string]string{"flush_gpf": "1.28"}},
	{key: "primary-bath-fan", name: "Primary bath exhaust fan", category: "ventilation", make: "Panasonic", model: "WhisperCeiling FV-0511VQ1", serial: "",
		location: "primary-bath", installed: ago(8, 10), costCents: 189_00, lifespan: 120, warranty: 72,
		attrs: map[string]string{"cfm": "50-110", "sones": "0.3"}},

	// Kitchen and laundry.
	{key: "dishwasher", name: "Dishwasher", category: "appliance-dishwasher", make: "Bosch", model: "800 Series SHPM88Z75N", serial: "FD9912 018845",
		location: "kitchen", installed: ago(3, 4), costCents: 1_249_00, lifespan: 120, warranty: 24,
		attrs: map[string]string{"filter": "clean monthly", "rinse_aid": "Finish Jet-Dry"}},
	{key: "range", name: "Range", category: "appliance-range", make: "GE Profile", model: "PGS930YPFS", serial: "GZ612345R",
		location: "kitchen", installed: ago(4, 2), costCents: 2_699_00, lifespan: 180, warranty: 12,
		attrs: map[string]string{"fuel": "natural gas", "width_in": "30", "convection": "true"}},
	{key: "refrigerator", name: "Refrigerator", category: "appliance-refrigerator", make: "Whirlpool", model: "WRF555SDFZ", serial: "KS03228170",
		location: "kitchen", installed: ago(0, 10), costCents: 1_899_00, lifespan: 156, warranty: 12,
		attrs: map[string]string{"water_filter": "EveryDrop Filter 1 (EDR1RXD1)", "capacity_cu_ft": "25.2"}},
	{key: "microwave", name: "Over-the-range microwave", category: "appliance-microwave", make: "GE Profile", model: "PVM9005SJSS", serial: "DT708812Q",
		location: "kitchen", installed: ago(4, 2), costCents: 549_00, lifespan: 108, warranty: 12,
		attrs: map[string]string{"charcoal_filter": "JX81H"}},
	{key: "disposal", name: "Garbage disposal", category: "appliance-disposal", make: "InSinkErator", model: "Evolution Excel", serial: "19041733512",
		location: "kitchen", installed: ago(5, 11), costCents: 379_00, lifespan: 144, warranty: 84,
		attrs: map[string]string{"hp": "1"}},
	{key: "kitchen-extinguisher", name: "Kitchen fire extinguisher", category: "fire-extinguisher", make: "Kidde", model: "FA110", serial: "",
		location: "kitchen", installed: ago(4, 6), costCents: 45_00, lifespan: 144, warranty: 72,
		attrs: map[string]string{"rating": "1-A:10-B:C", "check_gauge": "monthly"}},
	{key: "washer", name: "Washer", category: "appliance-washer", make: "LG", model: "WM4000HWA", serial: "904KWAB3J181",
		location: "laundry", installed: ago(5, 0), costCents: 999_00, lifespan: 132, warranty: 12,
		attrs: map[string]string{"capacity_cu_ft": "4.5", "motor_warranty": "10 years", "tub_clean": "monthly"}},
	{key: "dryer", name: "Dryer", category: "appliance-dryer", make: "LG", model: "DLEX4000W", serial: "904KWTD2L220",
		location: "laundry", installed: ago(5, 0), costCents: 999_00, lifespan: 156, warranty: 12,
		attrs: map[string]string{"fuel": "electric", "circuit": "240 V / 30 A", "vent": "clean yearly"}},

	// Garage and vehicles.
	{key: "garage-door-opener", name: "Garage door opener", category: "garage-door-opener", make: "LiftMaster", model: "87504-267", serial: "A91C2107734",
		location: "garage", installed: ago(2, 0), costCents: 398_00, lifespan: 144, warranty: 60,
		attrs: map[string]string{"drive": "belt", "hp": "1-1/4 HP equivalent", "battery_backup": "485LM"}},
	{key: "ev-charger", name: "EV charger", category: "ev-charger", make: "Tesla", model: "Wall Connector Gen 3", serial: "PGT21184301234",
		location: "garage", installed: ago(3, 1), costCents: 1_825_00, lifespan: 120, warranty: 48,
		attrs: map[string]string{"part_number": "1529455-02-D", "circuit": "60 A", "max_output_kw": "11.5"}},
	{key: "rav4", name: "Toyota RAV4 Prime", category: "vehicle", make: "Toyota", model: "RAV4 Prime XSE (2022)", serial: "JTMEB3FV4ND089231",
		location: "garage", installed: ago(3, 8), costCents: 44_890_00, lifespan: 180, warranty: 60,
		attrs: map[string]string{"plate": "MN CJR 418", "oil": "0W-16, every 16,000 km", "tires": "235/55R19", "battery_warranty": "10 years / 240,000 km"}},
	{key: "outback", name: "Subaru Outback", category: "vehicle", make: "Subaru", model: "Outback 2.5i Premium (2015)", serial: "4S4BSACC5F3265118",
		location: "garage", installed: ago(8, 0), costCents: 19_450_00, lifespan: 180, warranty: 36,
		attrs: map[string]string{"plate": "MN 7KP 221", "oil": "0W-20, every 10,000 km", "bought_used": "true"}},
	{key: "mower", name: "Lawn mower", category: "lawn-equipment", make: "Honda", model: "HRX217VKA", serial: "MAGA-1327508",
		location: "garage", installed: ago(6, 2), costCents: 549_00, lifespan: 120, warranty: 60,
		attrs: map[string]string{"engine": "GCV200", "oil": "SAE 10W-30, 0.4 qt", "blade": "72511-VE2-020"}},
	{key: "snow-blower", name: "Snow blower", category: "lawn-equipment", make: "Toro", model: "Power Max 826 OXE (37802)", serial: "320001834",
		location: "garage", installed: ago(7, 3), costCents: 1_199_00, lifespan: 120, warranty: 36,
		attrs: map[string]string{"engine": "252cc", "shear_pins": "spare in tool box"}},
	{key: "garage-extinguisher", name: "Garage fire extinguisher", category: "fire-extinguisher", make: "Kidde", model: "Pro 210", serial: "",
		location: "garage", installed: ago(4, 6), costCents: 59_00, lifespan: 144, warranty: 72,
		attrs: map[string]string{"rating": "2-A:10-B:C"}},
	{key: "irrigation", name: "Sprinkler controller", category: "irrigation", make: "Rachio", model: "3 8-Zone (8ZULW-C)", serial: "R3-8Z-0099123",
		location: "garage", installed: ago(4, 0), costCents: 229_00, lifespan: 120, warranty: 24,
		attrs: map[string]string{"zones": "6 of 8", "blow_out": "every October"}},

	// Safety and security.
	{key: "primary-smoke", name: "Primary bedroom smoke alarm", category: "smoke-detector", make: "Kidde", model: "i12060", serial: "",
		location: "primary-bedroom", installed: ago(8, 10), costCents: 39_00, lifespan: 120, warranty: 120,
		attrs: map[string]string{"power": "hardwired, 9 V backup", "interconnected": "true"}},
	{key: "kids-smoke", name: "Kids' bedroom smoke alarm", category: "smoke-detector", make: "Kidde", model: "i12060", serial: "",
		location: "kids-bedroom", installed: ago(8, 10), costCents: 39_00, lifespan: 120, warranty: 120,
		attrs: map[string]string{"power": "hardwired, 9 V backup", "interconnected": "true"}},
	{key: "basement-smoke-co", name: "Basement smoke and CO alarm", category: "smoke-detector", make: "First Alert", model: "SC9120B", serial: "",
		location: "basement", installed: ago(3, 6), costCents: 54_00, lifespan: 84, warranty: 84,
		attrs: map[string]string{"power": "hardwired, AA backup"}},
	{key: "co-alarm", name: "Utility room CO alarm", category: "co-detector", make: "Kidde", model: "KN-COPP-3", serial: "",
		location: "utility", installed: ago(6, 11), costCents: 29_00, lifespan: 84, warranty: 60,
		attrs: map[string]string{"power": "plug-in, 9 V backup"}},
	{key: "security", name: "Alarm system", category: "security-system", make: "Ring", model: "Alarm Pro (8-piece kit)", serial: "",
		location: "living-room", installed: ago(2, 7), costCents: 349_00, lifespan: 120, warranty: 12,
		attrs: map[string]string{"monitoring": "Ring Protect Pro"}},

	// Envelope and outdoors.
	{key: "roof", name: "Roof", category: "roof", make: "Owens Corning", model: "TruDefinition Duration (Driftwood)", serial: "",
		location: "exterior", installed: ago(6, 4), costCents: 18_400_00, lifespan: 300, warranty: 120,
		attrs: map[string]string{"squares": "28", "underlayment": "ProArmor", "warranty_kind": "Preferred Contractor workmanship"}},
	{key: "gutters", name: "Gutters and guards", category: "gutters", make: "LeafFilter", model: "Gutter Protection", serial: "",
		location: "exterior", installed: ago(6, 4), costCents: 3_950_00, lifespan: 240,
		attrs: map[string]string{"linear_feet": "164", "warranty": "lifetime, transferable"}},
	{key: "windows", name: "Windows", category: "windows", make: "Pella", model: "250 Series double-hung", serial: "",
		location: "exterior", installed: ago(10, 6), costCents: 21_600_00, lifespan: 300, warranty: 240,
		attrs: map[string]string{"count": "18", "glass": "Low-E insulating, argon"}},
	{key: "siding", name: "Siding", category: "siding", make: "James Hardie", model: "HardiePlank lap siding", serial: "",
		location: "exterior", installed: ago(12, 1), costCents: 32_500_00, lifespan: 600, warranty: 360,
		attrs: map[string]string{"color": "Iron Gray", "finish": "ColorPlus"}},
	{key: "entry-door", name: "Front door", category: "doors", make: "Therma-Tru", model: "Smooth-Star S210", serial: "",
		location: "exterior", installed: ago(10, 6), costCents: 3_400_00, lifespan: 360, warranty: 120,
		attrs: map[string]string{"lockset": "Schlage Encode"}},
	{key: "generator", name: "Standby generator", category: "electrical-generator", make: "Generac", model: "Guardian 22kW 7043", serial: "3009184712",
		location: "yard", installed: ago(4, 6), costCents: 14_800_00, lifespan: 240, warranty: 60,
		attrs: map[string]string{"fuel": "natural gas", "transfer_switch": "200 A whole-house", "exercise": "weekly, Tue 12:00, 12 min", "oil": "5W-30 synthetic"}},
	{key: "panel", name: "Electrical panel", category: "electrical-panel", make: "Square D", model: "QO140L200PG", serial: "",
		location: "utility", installed: ago(9, 8), costCents: 2_800_00, lifespan: 480,
		attrs: map[string]string{"amps": "200", "spaces": "40"}},
	{key: "deck", name: "Back deck", category: "deck", make: "Trex", model: "Transcend (Spiced Rum)", serial: "",
		location: "yard", installed: ago(7, 9), costCents: 24_800_00, lifespan: 300, warranty: 300,
		attrs: map[string]string{"area_sq_ft": "320"}},
}

var cabinAssets = []asset{
	{key: "water-heater", name: "Tankless water heater", category: "water-heater", make: "Navien", model: "NPE-240A2", serial: "7423H2231200455",
		location: "utility", installed: ago(3, 9), costCents: 4_200_00, lifespan: 240, warranty: 180,
		attrs: map[string]string{"fuel": "propane", "input_btu": "199900", "descale": "yearly (hard well water)"}},
	{key: "mini-split", name: "Ductless mini-split", category: "hvac-mini-split", make: "Mitsubishi Electric", model: "MSZ-GL12NA / MUZ-GL12NA", serial: "52U04518",
		location: "great-room", installed: ago(2, 5), costCents: 4_800_00, lifespan: 180, warranty: 144,
		attrs: map[string]string{"capacity_btu": "12000", "refrigerant": "R-410A", "filter": "rinse monthly in season"}},
	{key: "wood-stove", name: "Wood stove", category: "fireplace", make: "Jøtul", model: "F 400 Castine", serial: "JT400-10882",
		location: "great-room", installed: ago(11, 2), costCents: 3_900_00, lifespan: 480, warranty: 60,
		attrs: map[string]string{"chimney_sweep": "every autumn", "gasket": "replace every 3 years"}},
	{key: "well-pump", name: "Well pump", category: "well-pump", make: "Franklin Electric", model: "FPS 4400 Series 10 gpm 1/2 HP", serial: "FE-11052873",
		location: "grounds", installed: ago(8, 5), costCents: 2_300_00, lifespan: 180, warranty: 36,
		attrs: map[string]string{"well_depth_ft": "140", "pressure_switch": "40/60 psi"}},
	{key: "septic", name: "Septic system", category: "septic-system", make: "", model: "1,000 gal concrete tank", serial: "",
		location: "grounds", lifespan: 480,
		attrs: map[string]string{"pump_out": "every 3 years", "last_pump_out": "previous owner"}},
	{key: "smoke-alarm", name: "Smoke alarm", category: "smoke-detector", make: "First Alert", model: "SA340CN", serial: "",
		location: "great-room", installed: ago(2, 5), costCents: 25_00, lifespan: 120, warranty: 120,
		attrs: map[string]string{"power": "10-year sealed battery"}},
	{key: "co-alarm", name: "CO alarm", category: "co-detector", make: "Kidde", model: "KN-COB-DP2", serial: "",
		location: "utility", installed: ago(2, 5), costCents: 35_00, lifespan: 84, warranty: 84,
		attrs: map[string]string{"power": "AA battery"}},
	{key: "generator", name: "Portable generator", category: "electrical-generator", make: "Honda", model: "EU2200i", serial: "EAMT-1289443",
		location: "crawlspace", installed: ago(5, 7), costCents: 1_199_00, lifespan: 180, warranty: 36, status: "out_of_service",
		attrs: map[string]string{"fuel": "gasoline", "issue": "surges at idle; carburetor needs cleaning"}},
}

// writeHomes writes homes, locations and assets in one round trip.
func writeHomes(ctx context.Context, tx pgx.Tx, homes []home, now time.Time) error {
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	b := &pgx.Batch{}
	for _, h := range homes {
		homeID := id("home:" + h.key)
		b.Queue(`INSERT INTO assets.homes (tenant_id, home_id, display_name, address, time_zone)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
			HouseholdTenantID, homeID, h.name, h.address, h.timeZone)
		for _, l := range h.locations {
			b.Queue(`INSERT INTO assets.locations (tenant_id, home_id, location_id, display_name, kind, floor)
				VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
				HouseholdTenantID, homeID, id("location:"+h.key+":"+l.key), l.name, l.kind, l.floor)
		}
		for _, a := range h.assets {
			key := "asset:" + h.key + ":" + a.key
			var installed, purchased, warranty pgtype.Date
			if a.installed > 0 {
				d := today.AddDate(0, -a.installed, -jitter(key, 28))
				installed = pgtype.Date{Time: d, Valid: true}
				// Bought a little before it was put in.
				purchased = pgtype.Date{Time: d.AddDate(0, 0, -jitter(key+":purchase", 21)), Valid: true}
				if a.warranty > 0 {
					warranty = pgtype.Date{Time: d.AddDate(0, a.warranty, 0), Valid: true}
				}
			}
			var cost *int64
			var currency *string
			if a.costCents > 0 {
				usd := "USD"
				cost, currency = &a.costCents, &usd
			}
			var loc pgtype.UUID
			if a.location != "" {
				loc = pgtype.UUID{Bytes: id("location:" + h.key + ":" + a.location), Valid: true}
			}
			status := a.status
			if status == "" {
				status = "in_service"
			}
			attrs := a.attrs
			if attrs == nil {
				attrs = map[string]string{}
			}
			b.Queue(`INSERT INTO assets.assets (tenant_id, home_id, asset_id, display_name, category_id, make, model,
					serial_number, install_date, purchase_date, purchase_cost_minor, purchase_cost_currency,
					expected_lifespan_months, warranty_expiry_date, location_id, status, attributes)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
				ON CONFLICT DO NOTHING`,
				HouseholdTenantID, homeID, id(key), a.name, a.category, a.make, a.model,
				a.serial, installed, purchased, cost, currency,
				a.lifespan, warranty, loc, status, attrs)
		}
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("write homes: %w", err)
	}
	return nil
}
