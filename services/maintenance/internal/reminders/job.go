package reminders

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	"google.golang.org/grpc"

	accountsv1 "steward.dev/gen/go/steward/accounts/v1"
	"steward.dev/platform/access"
	"steward.dev/platform/aip"
	"steward.dev/platform/jobs"
	"steward.dev/platform/outbox"
	"steward.dev/platform/resname"
	"steward.dev/platform/tenantdb"
	"steward.dev/services/maintenance/internal/store"
)

// Service is the outbox's name for the messages Maintenance writes: it
// delivers these and no other service's.
const Service = "maintenance"

// WarrantyLeadDays is how far ahead a warranty's end is reminded of.
const WarrantyLeadDays = 30

// Job writes and delivers one tenant's reminders. Run it as often as
// wanted: each reminder is written once per task occurrence (or warranty
// end) and recipient, by its outbox dedupe key, however often the job runs
// or is retried.
type Job struct {
	db      *tenantdb.DB
	tenants accountsv1.TenantServiceClient
	members accountsv1.MemberServiceClient
	// queue takes each email's delivery job (platform/outbox), in the
	// transaction that writes the email.
	queue *jobs.Client
	now   func() time.Time
}

// NewJob returns the reminder job over db. accounts is a connection to
// steward-accounts whose calls outside a request carry the service's own
// identity (platform/rpcclient), from which the tenant's members and their
// emails are read. Its queue is bound with SetQueue.
func NewJob(db *tenantdb.DB, accounts grpc.ClientConnInterface, now func() time.Time) *Job {
	return &Job{db: db, tenants: accountsv1.NewTenantServiceClient(accounts), members: accountsv1.NewMemberServiceClient(accounts), now: now}
}

// SetQueue binds Maintenance's job queue, whose workers include the outbox's
// delivery worker: each email's delivery job goes there. The queue's client
// is built from its workers, this job's among them, so it comes after
// NewJob; the job runs only once the queue does.
func (j *Job) SetQueue(queue *jobs.Client) { j.queue = queue }

// Report is what one run did.
type Report struct {
	// Written counts the reminder emails this run added to the outbox.
	Written int
	// Enqueued counts the delivery jobs it added: one per new email, and
	// one per older email still pending without one.
	Enqueued int
}

// recipient is a member who may read the tenant's maintenance, with their
// choice of reminders.
type recipient struct {
	userID uuid.UUID
	email  string
	prefs  store.MaintenanceReminderPreference
}

func (r recipient) wants(k kind) bool {
	switch k {
	case kindDue:
		return r.prefs.DueTasks
	case kindOverdue:
		return r.prefs.OverdueTasks
	case kindWarranty:
		return r.prefs.ExpiringWarranties
	}
	return false
}

type kind string

const (
	kindDue      kind = "due"
	kindOverdue  kind = "overdue"
	kindWarranty kind = "warranty"
)

// reminder is one thing to remind every recipient who wants its kind of.
type reminder struct {
	kind kind
	// about names the task occurrence or warranty end, the dedupe key's
	// stem: "task/<id>/<occurrence>/due".
	about         string
	subject, text string
}

// Run writes the tenant's reminders that are due now to the outbox with
// their delivery jobs, in one transaction. ctx is a job's for tenant
// (jobs.ForTenant): its tenant scope for the database and the service
// identity acting for tenant for steward-accounts.
func (j *Job) Run(ctx context.Context, tenant uuid.UUID) (Report, error) {
	var rep Report
	recipients, err := j.recipients(ctx, tenant)
	if err != nil {
		return rep, err
	}
	reminders, err := j.reminders(ctx, tenant)
	if err != nil {
		return rep, err
	}
	err = j.db.InTx(ctx, func(tx tenantdb.DBTX) error {
		rep = Report{} // InTx may run this again
		for _, rm := range reminders {
			for _, r := range recipients {
				if !r.wants(rm.kind) {
					continue
				}
				_, added, err := outbox.Add(ctx, tx, outbox.Message{
					Service: Service, DedupeKey: rm.about + "/" + r.userID.String(), To: r.email,
					Subject: rm.subject, Text: rm.text + footer(tenant, r.userID),
				})
				if err != nil {
					return err
				}
				if added {
					rep.Written++
				}
			}
		}
		// The delivery jobs of these and of any earlier message still
		// pending whose job River gave up on.
		var err error
		rep.Enqueued, err = outbox.EnqueuePending(ctx, tx, j.queue, Service)
		return err
	})
	return rep, err
}

// recipients are the tenant's members who may read its maintenance
// (maintenance.read: a school's PARENTs and STUDENTs get none) and have an
// email, with their preferences.
func (j *Job) recipients(ctx context.Context, tenant uuid.UUID) ([]recipient, error) {
	tenantName := tenantPattern.Format(tenant)
	tn, err := j.tenants.GetTenant(ctx, &accountsv1.GetTenantRequest{Name: tenantName})
	if err != nil {
		return nil, fmt.Errorf("reminders: the tenant: %w", err)
	}
	kind := map[accountsv1.Tenant_Kind]string{
		accountsv1.Tenant_KIND_HOUSEHOLD: access.KindHousehold, accountsv1.Tenant_KIND_SCHOOL: access.KindSchool,
	}[tn.GetKind()]
	rows, err := store.New(j.db.Scoped(ctx)).ListReminderPreferences(ctx, tenant)
	if err != nil {
		return nil, err
	}
	prefs := map[uuid.UUID]store.MaintenanceReminderPreference{}
	for _, p := range rows {
		prefs[p.UserID] = p
	}
	var out []recipient
	req := &accountsv1.ListMembersRequest{Parent: tenantName, PageSize: 1000}
	for {
		page, err := j.members.ListMembers(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("reminders: the members: %w", err)
		}
		for _, m := range page.GetMembers() {
			if m.GetEmail() == "" || !access.RolesAllow(kind, m.GetRoles(), access.MaintenanceRead) {
				continue
			}
			n, err := memberPattern.Parse("member", m.GetName())
			if err != nil {
				return nil, err
			}
			user := n.ID("member")
			p, ok := prefs[user]
			if !ok {
				p = defaultPreferences(tenant, user)
			}
			out = append(out, recipient{userID: user, email: m.GetEmail(), prefs: p})
		}
		if page.GetNextPageToken() == "" {
			return out, nil
		}
		req.PageToken = page.GetNextPageToken()
	}
}

var memberPattern = resname.Of(&accountsv1.Member{})

// reminders are every home's due and overdue tasks and expiring warranties
// on the home's today, in its time zone.
func (j *Job) reminders(ctx context.Context, tenant uuid.UUID) ([]reminder, error) {
	q := store.New(j.db.Scoped(ctx))
	homes, err := q.ListReminderHomes(ctx, tenant)
	if err != nil {
		return nil, err
	}
	var out []reminder
	for _, h := range homes {
		loc, err := aip.LoadTimeZone(h.TimeZone)
		if err != nil {
			return nil, fmt.Errorf("reminders: home %s: %w", h.HomeID, err)
		}
		today := civil(j.now().In(loc))
		tasks, err := q.ListTasksToRemind(ctx, store.ListTasksToRemindParams{TenantID: tenant, HomeID: h.HomeID, Today: date(today)})
		if err != nil {
			return nil, err
		}
		for _, t := range tasks {
			out = append(out, taskReminder(h.DisplayName, t, today))
		}
		warranties, err := q.ListExpiringWarranties(ctx, store.ListExpiringWarrantiesParams{
			TenantID: tenant, HomeID: h.HomeID, Today: date(today), Until: date(today.AddDate(0, 0, WarrantyLeadDays)),
		})
		if err != nil {
			return nil, err
		}
		for _, w := range warranties {
			ends := w.WarrantyExpiryDate.Time
			out = append(out, reminder{
				kind: kindWarranty, about: "warranty/" + w.AssetID.String() + "/" + ends.Format(time.DateOnly),
				subject: fmt.Sprintf("Warranty ends %s: %s (%s)", short(ends), w.DisplayName, h.DisplayName),
				text: fmt.Sprintf("The warranty of %s at %s ends on %s (%s).\n",
					w.DisplayName, h.DisplayName, long(ends), ahead(int(ends.Sub(today).Hours()/24))),
			})
		}
	}
	return out, nil
}

// taskReminder is a task's DUE reminder within its lead time, its OVERDUE
// one after its due date. The dedupe key names the plan's occurrence (an
// ad-hoc task's due date), so a task moved within its occurrence is not
// reminded of again.
func taskReminder(home string, t store.ListTasksToRemindRow, today time.Time) reminder {
	due := t.DueDate.Time
	occurrence := due
	if t.Occurrence.Valid {
		occurrence = t.Occurrence.Time
	}
	what := t.Title
	if t.AssetName != "" {
		what += " — " + t.AssetName
	}
	rm := reminder{kind: kindDue}
	if today.After(due) {
		rm.kind = kindOverdue
		rm.subject = fmt.Sprintf("Overdue: %s (%s)", what, home)
		rm.text = fmt.Sprintf("%s at %s was due on %s (%s).\n", what, home, long(due), ago(int(today.Sub(due).Hours()/24)))
	} else {
		rm.subject = fmt.Sprintf("Due %s: %s (%s)", short(due), what, home)
		rm.text = fmt.Sprintf("%s at %s is due on %s (%s).\n", what, home, long(due), ahead(int(due.Sub(today).Hours()/24)))
	}
	if t.Description != "" {
		rm.text += "\n" + t.Description + "\n"
	}
	rm.about = "task/" + t.TaskID.String() + "/" + occurrence.Format(time.DateOnly) + "/" + string(rm.kind)
	return rm
}

func footer(tenant, user uuid.UUID) string {
	return "\n--\nYou get this because of your reminder preferences, " +
		preferencesPattern.Format(tenant, user) + ": change them there to get fewer.\n"
}

// civil is t's calendar date, as midnight UTC, so that days between dates
// are whole multiples of 24 hours whatever the zone's DST.
func civil(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func date(t time.Time) pgtype.Date { return pgtype.Date{Time: t, Valid: true} }

func short(d time.Time) string { return d.Format("2 Jan") }

func long(d time.Time) string { return d.Format("Monday 2 January 2006") }

// ahead says how far ahead a date n >= 0 days away is.
func ahead(n int) string {
	switch n {
	case 0:
		return "today"
	case 1:
		return "tomorrow"
	}
	return fmt.Sprintf("in %d days", n)
}

// ago says how long ago a date n >= 1 days back was.
func ago(n int) string {
	if n == 1 {
		return "yesterday"
	}
	return fmt.Sprintf("%d days ago", n)
}
