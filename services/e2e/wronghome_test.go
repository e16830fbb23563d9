package e2e_test

import (
	"strings"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	assetsv1 "steward.dev/gen/go/steward/assets/v1"
)

// TestAssetChildrenUnderAnotherHomeAreNotFound: attachments and meter
// readings hang off an asset; naming the asset under a home it is not in, or
// an asset that does not exist, finds nothing and lists nothing.
func TestAssetChildrenUnderAnotherHomeAreNotFound(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	ctx := s.as(t, householdOwner)
	home, otherHome := newHome(t, s, ctx), newHome(t, s, ctx)
	a, err := s.assets.CreateAsset(ctx, &assetsv1.CreateAssetRequest{Parent: home,
		Asset: &assetsv1.Asset{DisplayName: "Boiler", Category: "assetCategories/hvac-boiler"}})
	if err != nil {
		t.Fatal(err)
	}
	att, err := s.assets.CreateAttachment(ctx, &assetsv1.CreateAttachmentRequest{Parent: a.GetName(), Content: []byte("manual"),
		Attachment: &assetsv1.Attachment{Kind: assetsv1.Attachment_KIND_MANUAL, Filename: "manual.txt", ContentType: "text/plain"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.assets.CreateMeterReading(ctx, &assetsv1.CreateMeterReadingRequest{Parent: a.GetName(),
		MeterReading: &assetsv1.MeterReading{Meter: "runtime", Unit: assetsv1.MeterReading_UNIT_HOURS, Value: 10}}); err != nil {
		t.Fatal(err)
	}
	moved := strings.Replace(a.GetName(), home, otherHome, 1)
	missing := home + "/assets/" + uuid.NewString()
	movedAtt := strings.Replace(att.GetName(), home, otherHome, 1)

	for name, call := range map[string]func() error{
		"GetAttachment, wrong home": func() error {
			_, err := s.assets.GetAttachment(ctx, &assetsv1.GetAttachmentRequest{Name: movedAtt})
			return err
		},
		"GetAttachmentContent, wrong home": func() error {
			_, err := s.assets.GetAttachmentContent(ctx, &assetsv1.GetAttachmentContentRequest{Name: movedAtt})
			return err
		},
		"DeleteAttachment, wrong home": func() error {
			_, err := s.assets.DeleteAttachment(ctx, &assetsv1.DeleteAttachmentRequest{Name: movedAtt})
			return err
		},
		"ListAttachments, wrong home": func() error {
			_, err := s.assets.ListAttachments(ctx, &assetsv1.ListAttachmentsRequest{Parent: moved})
			return err
		},
		"ListAttachments, missing asset": func() error {
			_, err := s.assets.ListAttachments(ctx, &assetsv1.ListAttachmentsRequest{Parent: missing})
			return err
		},
		"ListMeterReadings, wrong home": func() error {
			_, err := s.assets.ListMeterReadings(ctx, &assetsv1.ListMeterReadingsRequest{Parent: moved})
			return err
		},
		"ListMeterReadings, missing asset": func() error {
			_, err := s.assets.ListMeterReadings(ctx, &assetsv1.ListMeterReadingsRequest{Parent: missing})
			return err
		},
	} {
		if err := call(); status.Code(err) != codes.NotFound {
			t.Errorf("%s: %v, want NOT_FOUND", name, err)
		}
	}
	// Under the right home both still work, and the delete above did nothing.
	if list, err := s.assets.ListAttachments(ctx, &assetsv1.ListAttachmentsRequest{Parent: a.GetName()}); err != nil || len(list.GetAttachments()) != 1 {
		t.Fatalf("attachments under the right home: %v, %v", list, err)
	}
	if list, err := s.assets.ListMeterReadings(ctx, &assetsv1.ListMeterReadingsRequest{Parent: a.GetName()}); err != nil || len(list.GetMeterReadings()) != 1 {
		t.Fatalf("meter readings under the right home: %v, %v", list, err)
	}
}
