package schedule

import (
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// rules is a term of four weeks from Monday 2027-03-01 (weeks 2 and 4
// individual; Monday 2027-03-22 a break), a teacher free Mondays 09:00-10:15
// and an open window.
func rules(t *testing.T, now time.Time) Rules {
	t.Helper()
	room := uuid.New()
	class := uuid.New()
	return Rules{Loc: sydney(t), Now: now, NoticeHours: 24, Minutes: 30, Class: class,
		Calendar: Calendar{Start: day(2027, 3, 1), End: day(2027, 3, 28), Breaks: []Span{{day(2027, 3, 22), day(2027, 3, 22)}},
			Weeks: []ClassWeek{{1, day(2027, 3, 1), false}, {2, day(2027, 3, 8), true}, {3, day(2027, 3, 15), false}, {4, day(2027, 3, 22), true}}},
		Windows: []Window{{Open: now.Add(-time.Hour), Close: now.Add(time.Hour)}},
		Blocks:  []Block{{Weekday: 1, Start: 9 * 60, End: 10*60 + 15, Room: room}},
	}
}

func TestGridAndChecks(t *testing.T) {
	t.Parallel()
	now := time.Date(2027, 2, 20, 12, 0, 0, 0, time.UTC)
	r := rules(t, now)
	mon := day(2027, 3, 8)
	grid := r.Grid(mon)
	if len(grid) != 2 || grid[0].Start.In(r.Loc).Format("15:04") != "09:00" || grid[1].Start.In(r.Loc).Format("15:04") != "09:30" || grid[0].Week != 2 {
		t.Fatalf("grid = %v (09:00 and 09:30; 10:00 would end after 10:15)", grid)
	}
	for _, tc := range []struct {
		name  string
		start time.Time
		want  Problem
	}{
		{"a slot", At(mon, Clock(9*60+30), r.Loc), OK},
		{"off the grid", At(mon, Clock(9*60+15), r.Loc), Unavailable},
		{"past the block", At(mon, Clock(10*60), r.Loc), Unavailable},
		{"group week", At(day(2027, 3, 1), Clock(9*60), r.Loc), GroupWeek},
		{"break", At(day(2027, 3, 22), Clock(9*60), r.Loc), OnBreak},
		{"outside the term", At(day(2027, 4, 5), Clock(9*60), r.Loc), NotInTerm},
	} {
		if _, p := r.Check(tc.start); p != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, p, tc.want)
		}
	}
	closed := r
	closed.Windows = []Window{{Open: now.Add(time.Hour), Close: now.Add(2 * time.Hour)}}
	if _, p := closed.Check(At(mon, Clock(9*60), r.Loc)); p != WindowClosed {
		t.Errorf("before the window opens: %v", p)
	}
	other := r
	other.Windows = []Window{{Open: now.Add(-time.Hour), Close: now.Add(time.Hour), Weeks: []int{4}}}
	if _, p := other.Check(At(mon, Clock(9*60), r.Loc)); p != WindowClosed {
		t.Errorf("a window of another week: %v", p)
	}
	late := r
	late.Now = At(day(2027, 3, 7), Clock(9*60+1), r.Loc)
	late.Windows = []Window{{Open: late.Now.Add(-time.Hour), Close: late.Now.Add(time.Hour)}}
	if _, p := late.Check(At(mon, Clock(9*60), r.Loc)); p != TooSoon {
		t.Errorf("within the notice: %v", p)
	}
	if _, p := late.Check(At(mon, Clock(9*60+30), r.Loc)); p != OK {
		t.Errorf("just in time: %v", p)
	}
	ex := r
	ex.Exceptions = []Exception{{Date: mon, Start: 9*60 + 45, End: 11 * 60}}
	if g := ex.Grid(mon); len(g) != 1 {
		t.Errorf("an exception from 09:45 leaves %v", g)
	}
}

func TestDayReasonsAndNearest(t *testing.T) {
	t.Parallel()
	now := time.Date(2027, 2, 20, 12, 0, 0, 0, time.UTC)
	r := rules(t, now)
	mon := day(2027, 3, 8)
	taken := Busy{All: []Slot{{At(mon, Clock(9*60), r.Loc), At(mon, Clock(10*60), r.Loc)}}}
	if _, p := r.Day(mon, taken); p != AllTaken {
		t.Errorf("a taken day: %v", p)
	}
	half := Busy{Rooms: map[uuid.UUID][]Slot{r.Blocks[0].Room: {{At(mon, Clock(9*60), r.Loc), At(mon, Clock(9*60+30), r.Loc)}}}}
	if free, p := r.Day(mon, half); p != OK || len(free) != 1 {
		t.Errorf("the room's 09:00 taken: %v %v", free, p)
	}
	slots, days := r.Range(day(2027, 3, 1), day(2027, 3, 28), Busy{})
	var why []Problem
	for _, d := range days {
		why = append(why, d.Why)
	}
	if len(slots) != 2 || !slices.Equal(why, []Problem{GroupWeek, GroupWeek, OnBreak}) {
		t.Errorf("range: %d slots, days %v", len(slots), days)
	}
	mk := r
	mk.Makeup, mk.Expire, mk.Windows = true, At(day(2027, 3, 15), Clock(9*60+30), r.Loc), nil
	if _, p := mk.Check(At(day(2027, 3, 15), Clock(9*60), r.Loc)); p != OK {
		t.Errorf("a make-up in a group week: %v", p)
	}
	if _, p := mk.Check(At(day(2027, 3, 15), Clock(9*60+30), r.Loc)); p != Expired {
		t.Errorf("a make-up at the expiry: %v", p)
	}
	near := Nearest(slots, slots[1].Start, 5)
	if len(near) != 1 || !near[0].Start.Equal(slots[0].Start) {
		t.Errorf("nearest = %v", near)
	}
	series := r.Series(At(mon, Clock(9*60), r.Loc))
	if len(series) != 1 { // week 4's Monday is a break
		t.Errorf("series = %v", series)
	}
}

// NearestFree agrees with Nearest over the whole fortnight's Range, for
// every slot of a busy teacher's term, taken or not.
func TestNearestFreeIsNearestOfRange(t *testing.T) {
	t.Parallel()
	now := time.Date(2027, 2, 20, 12, 0, 0, 0, time.UTC)
	r := rules(t, now)
	room := r.Blocks[0].Room
	for wd := 1; wd <= 5; wd++ { // a grid on every weekday, 10:30–17:00
		r.Blocks = append(r.Blocks, Block{Weekday: wd, Start: 10*60 + 30, End: 17 * 60, Room: room})
	}
	for _, w := range r.Calendar.Weeks {
		w.Individual = true
		r.Calendar.Weeks[w.Number-1] = w
	}
	r.Windows[0].Weeks = nil
	all, _ := r.Range(r.Calendar.Start, r.Calendar.End, Busy{})
	var busy Busy
	for i, s := range all { // every third slot taken, and a run of whole days
		if i%3 == 0 || (s.Start.After(At(day(2027, 3, 9), Clock(0), r.Loc)) && s.Start.Before(At(day(2027, 3, 12), Clock(0), r.Loc))) {
			busy.All = append(busy.All, Slot{s.Start, s.End})
		}
	}
	for _, n := range []int{1, 5, 40} {
		for _, s := range all {
			d := LocalDate(s.Start, r.Loc)
			free, _ := r.Range(d.AddDate(0, 0, -7), d.AddDate(0, 0, 7), busy)
			want := Nearest(free, s.Start, n)
			if got := r.NearestFree(s.Start, 7, n, busy); !slices.Equal(got, want) {
				t.Fatalf("n=%d, at %s: NearestFree = %v, want %v", n, s.Start, got, want)
			}
		}
	}
}

// TestGridSkipsTheSpringForwardGap: on Sydney's 2027-10-03 the clocks go
// from 02:00 to 03:00, so a 01:00–04:00 block of 30-minute slots holds
// 01:00, 01:30, 03:00 and 03:30 — each once, none overlapping.
func TestGridSkipsTheSpringForwardGap(t *testing.T) {
	t.Parallel()
	r := rules(t, time.Date(2027, 9, 1, 0, 0, 0, 0, time.UTC))
	sunday := day(2027, 10, 3)
	r.Blocks = []Block{{Weekday: 7, Start: 60, End: 4 * 60, Room: r.Blocks[0].Room}}
	var got []string
	for _, s := range r.Grid(sunday) {
		got = append(got, s.Start.In(r.Loc).Format("15:04"))
	}
	if want := []string{"01:00", "01:30", "03:00", "03:30"}; !slices.Equal(got, want) {
		t.Errorf("grid on the day clocks spring forward = %v; want %v", got, want)
	}
}
