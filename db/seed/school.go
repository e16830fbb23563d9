package seed

import "strings"

const (
	schoolName = "Riverside Music School"
	// families is the number of parent logins; each family has one.
	families = 240
)

var schoolStaff = []person{
	{email: "admin@school.example", name: "Dana Whitfield", roles: []string{"admin"}},
	{email: "elena.vasquez@school.example", name: "Elena Vasquez", roles: []string{"teacher"}},       // piano
	{email: "marcus.chen@school.example", name: "Marcus Chen", roles: []string{"teacher"}},           // guitar
	{email: "priya.raman@school.example", name: "Priya Raman", roles: []string{"teacher"}},           // violin
	{email: "david.okafor@school.example", name: "David Okafor", roles: []string{"teacher"}},         // drums
	{email: "hannah.lindqvist@school.example", name: "Hannah Lindqvist", roles: []string{"teacher"}}, // voice
	{email: "samuel.brooks@school.example", name: "Samuel Brooks", roles: []string{"teacher"}},       // cello
	{email: "grace.kim@school.example", name: "Grace Kim", roles: []string{"teacher"}},               // flute
	{email: "tomas.herrera@school.example", name: "Tomás Herrera", roles: []string{"teacher"}},       // trumpet
}

// Parent names are drawn from these lists; 30×30 pairs leave plenty of room.
var (
	parentFirstNames = []string{
		"Maria", "James", "Aisha", "Daniel", "Mei", "Robert", "Fatima", "Michael", "Sofia", "David",
		"Olivia", "Carlos", "Hana", "Thomas", "Amara", "Kevin", "Leila", "Brian", "Nadia", "Jason",
		"Emily", "Ahmed", "Rachel", "Luis", "Ingrid", "Patrick", "Yuki", "Andrew", "Chloe", "Samir",
	}
	parentLastNames = []string{
		"Garcia", "Johnson", "Nguyen", "Patel", "Smith", "Kowalski", "Okafor", "Martinez", "Anderson", "Kim",
		"Hernandez", "Thompson", "Rossi", "Schmidt", "Ali", "Olsen", "Murphy", "Tanaka", "Lopez", "Wright",
		"Haddad", "Novak", "Campbell", "Singh", "Larsen", "Reyes", "Baker", "Ivanova", "Clarke", "Mensah",
	}
)

// schoolPeople returns the school's staff followed by one parent per family.
func schoolPeople() []person {
	people := append([]person(nil), schoolStaff...)
	nf, nl := len(parentFirstNames), len(parentLastNames)
	for i := range families {
		// Family i pairs first name i mod nf with a last name that shifts
		// with the first name, so pairs stay unique while i/nf < nl.
		f := i % nf
		l := (f*11 + i/nf) % nl
		first, last := parentFirstNames[f], parentLastNames[l]
		people = append(people, person{
			email: strings.ToLower(first + "." + last + "@family.example"),
			name:  first + " " + last,
			roles: []string{"parent"},
		})
	}
	return people
}
