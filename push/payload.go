package push

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"

	"firebase.google.com/go/v4/messaging"
	"github.com/sideshow/apns2"
	"github.com/sideshow/apns2/payload"
)

// Keys of the custom data both platforms carry, so the app reads one shape.
const (
	DataKind     = "kind"     // the Kind constant
	DataDeepLink = "deepLink" // e.g. "kabinet://payslips/ps_abc"
	DataID       = "id"       // the delivery id
	DataBadge    = "badge"    // things waiting for the employee, in decimal (also aps.badge on iOS)
)

// MaxFCMTTL is the longest time FCM keeps a message for an offline device.
const MaxFCMTTL = 28 * 24 * time.Hour

// MaxAPNsCollapseID is the longest apns-collapse-id APNs accepts, in bytes.
const MaxAPNsCollapseID = 64

// FCMMessage is FCMMessageAt(n, time.Now()). Senders use FCMMessageAt with
// their clock.
func FCMMessage(n *Notification) *messaging.Message {
	return FCMMessageAt(n, time.Now())
}

// FCMMessageAt builds the FCM v1 message for n as of now (which turns
// n.Expiry into a TTL). It is pure:
//   - token = n.Token; notification title/body = n.Text();
//   - android.collapse_key = n.CollapseKey, and android.notification.tag =
//     n.CollapseKey too, because the collapse key only collapses messages
//     FCM still holds, while the tag replaces the one already on the screen;
//   - android.priority "normal" unless n.Priority is "high";
//   - android.ttl = n.Expiry − now in whole seconds, clamped to [0, 28 days];
//     absent when n.Expiry is zero (FCM's default of four weeks);
//   - data: kind, deepLink (when set), id (when set) and badge (when
//     n.Badge is set: the count in decimal, for the app's launcher badge).
func FCMMessageAt(n *Notification, now time.Time) *messaging.Message {
	title, body := n.Text()
	android := &messaging.AndroidConfig{
		CollapseKey: n.CollapseKey,
		Priority:    priority(n),
	}
	if !n.Expiry.IsZero() {
		ttl := n.Expiry.Sub(now).Truncate(time.Second)
		ttl = min(max(ttl, 0), MaxFCMTTL)
		android.TTL = &ttl
	}
	if n.CollapseKey != "" {
		android.Notification = &messaging.AndroidNotification{Tag: n.CollapseKey}
	}
	return &messaging.Message{
		Token:        n.Token,
		Notification: &messaging.Notification{Title: title, Body: body},
		Android:      android,
		Data:         customData(n),
	}
}

// APNsNotification builds the APNs request for n. It is pure:
//   - payload aps.alert {title, body} from n.Text(); aps.badge = *n.Badge
//     (negative counts as 0) when n.Badge is set; aps.thread-id = n.Kind so
//     iOS groups reminders of one kind; custom keys kind, deepLink, id (the
//     badge only in aps);
//   - apns-topic = topic (the app's bundle id); apns-push-type alert;
//   - apns-id = n.ID when it is a canonical UUID, else empty so that APNs
//     assigns one;
//   - apns-collapse-id = n.CollapseKey, or its SHA-256 in hex (64 bytes)
//     when it is longer than 64 bytes;
//   - apns-priority 5 for normal, 10 for high;
//   - apns-expiration = n.Expiry (absent when zero).
func APNsNotification(n *Notification, topic string) *apns2.Notification {
	title, body := n.Text()
	p := payload.NewPayload().AlertTitle(title).AlertBody(body)
	if n.Badge != nil {
		p.Badge(max(*n.Badge, 0))
	}
	if n.Kind != "" {
		p.ThreadID(n.Kind)
	}
	for k, v := range customData(n) {
		if k != DataBadge {
			p.Custom(k, v)
		}
	}
	prio := apns2.PriorityLow
	if priority(n) == PriorityHigh {
		prio = apns2.PriorityHigh
	}
	an := &apns2.Notification{
		DeviceToken: n.Token,
		Topic:       topic,
		CollapseID:  APNsCollapseID(n.CollapseKey),
		Priority:    prio,
		PushType:    apns2.PushTypeAlert,
		Payload:     p,
	}
	if isUUID(n.ID) {
		an.ApnsID = lowerASCII(n.ID)
	}
	if !n.Expiry.IsZero() {
		an.Expiration = n.Expiry
	}
	return an
}

// APNsCollapseID returns key if it fits APNs' 64-byte limit, else the hex
// SHA-256 of key (exactly 64 bytes), so distinct keys stay distinct.
func APNsCollapseID(key string) string {
	if len(key) <= MaxAPNsCollapseID {
		return key
	}
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

func priority(n *Notification) string {
	if n.Priority == PriorityHigh {
		return PriorityHigh
	}
	return PriorityNormal
}

func customData(n *Notification) map[string]string {
	d := map[string]string{DataKind: n.Kind}
	if n.DeepLink != "" {
		d[DataDeepLink] = n.DeepLink
	}
	if n.ID != "" {
		d[DataID] = n.ID
	}
	if n.Badge != nil {
		d[DataBadge] = strconv.Itoa(max(*n.Badge, 0))
	}
	return d
}

// isUUID reports whether s has the 8-4-4-4-12 hex form APNs wants.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
