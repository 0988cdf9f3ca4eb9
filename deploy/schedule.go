package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	stypes "github.com/aws/aws-sdk-go-v2/service/scheduler/types"
)

// ScheduleSpec is what a schedule needs from a job spec (jobs/spec.Spec: name, schedule.cron,
// schedule.time_zone): its name, its cron expression (five fields, minute hour day-of-month month
// day-of-week; a descriptor such as @daily or @every 6h; an optional CRON_TZ=ZONE prefix), the
// IANA time zone the expression is read in, and the spec file itself, sent to the function in
// the event.
type ScheduleSpec struct {
	Name     string
	Cron     string
	TimeZone string
	Body     []byte
}

// ScheduledTime is EventBridge Scheduler's context attribute for the time a run was scheduled
// for (Scheduler User Guide, "Adding context attributes"), substituted in the target input: the
// coordinator resolves relative windows ("last 3 months") at that time, not at a late delivery.
const ScheduledTime = "<aws.scheduler.scheduled-time>"

// ScheduleEvent is the event EventBridge Scheduler sends to the function at each run (the
// schedule's target input), the Lambda coordinator's event (jobs/coordinator.Event):
// {"hsfan_spec": {"yaml": "<the spec file>", "now": "<aws.scheduler.scheduled-time>"}}.
type ScheduleEvent struct {
	Spec ScheduleRequest `json:"hsfan_spec"`
}

// ScheduleRequest is the body of ScheduleEvent (jobs/coordinator.Request's yaml and now).
type ScheduleRequest struct {
	YAML string `json:"yaml"`
	Now  string `json:"now,omitempty"`
}

// MaxScheduleInput is the Scheduler API's limit on a target's Input (Scheduler API Reference,
// Target.Input: up to 8192 characters).
const MaxScheduleInput = 8192

// ScheduleConfig is one schedule as it should be.
type ScheduleConfig struct {
	Spec ScheduleSpec
	// Group is the schedule group ("default").
	Group string
	// Function is the target function's name; RoleName the scheduler role (created or updated).
	Function string
	RoleName string
}

var scheduleNameRE = regexp.MustCompile(`^[0-9a-zA-Z-_.]{1,64}$`)

// Check validates c; the errors name the field and the allowed values.
func (c ScheduleConfig) Check() error {
	if !scheduleNameRE.MatchString(c.Spec.Name) {
		return fmt.Errorf("deploy schedule: spec name %q: a schedule name is 1 to 64 of 0-9 a-z A-Z - _ .", c.Spec.Name)
	}
	if c.Function == "" || c.RoleName == "" {
		return fmt.Errorf("deploy schedule: the function and the scheduler role names are required")
	}
	_, _, err := c.expression()
	return err
}

// expression is the schedule's EventBridge expression and time zone: a CRON_TZ= or TZ= prefix of
// the cron expression stands for the time zone (and must agree with it when both are given), as
// jobs/spec reads it.
func (c ScheduleConfig) expression() (expr, zone string, err error) {
	cronExpr, zone := strings.TrimSpace(c.Spec.Cron), c.Spec.TimeZone
	for _, p := range []string{"CRON_TZ=", "TZ="} {
		if rest, ok := strings.CutPrefix(cronExpr, p); ok {
			z, e, _ := strings.Cut(rest, " ")
			if zone != "" && zone != z {
				return "", "", fmt.Errorf("deploy schedule: %s%s and the time zone %s disagree", p, z, zone)
			}
			zone, cronExpr = z, strings.TrimSpace(e)
		}
	}
	if _, err := time.LoadLocation(zone); err != nil || zone == "" || zone == "Local" {
		return "", "", fmt.Errorf("deploy schedule: time zone %q: want an IANA time zone name (UTC, Europe/Paris, America/Los_Angeles)", zone)
	}
	if expr, err = EventBridgeCron(cronExpr); err != nil {
		return "", "", err
	}
	return expr, zone, nil
}

// Input is the schedule's target input: the ScheduleEvent JSON.
func (c ScheduleConfig) Input() (string, error) {
	// No HTML escaping: Scheduler substitutes the literal "<aws.scheduler.scheduled-time>", not
	// its \u003c...\u003e spelling.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(ScheduleEvent{ScheduleRequest{YAML: string(c.Spec.Body), Now: ScheduledTime}}); err != nil {
		return "", fmt.Errorf("deploy schedule %s: event: %w", c.Spec.Name, err)
	}
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if len(b) > MaxScheduleInput {
		return "", fmt.Errorf("deploy schedule %s: the spec as event is %d characters, EventBridge Scheduler takes at most %d: shorten the spec", c.Spec.Name, len(b), MaxScheduleInput)
	}
	return string(b), nil
}

// Schedule creates or updates the EventBridge Scheduler schedule that invokes the function with
// the spec (flexible time window off, the spec's time zone) and the scheduler role it assumes.
func Schedule(ctx context.Context, cl Clients, o Options, c ScheduleConfig) (string, error) {
	if err := c.Check(); err != nil {
		return "", err
	}
	expr, zone, _ := c.expression()
	input, err := c.Input()
	if err != nil {
		return "", err
	}
	group := c.group()
	account, err := accountID(ctx, cl)
	if err != nil {
		return "", err
	}
	fnARN := functionARN(cl.Region, account, c.Function)
	role, err := ensureRole(ctx, cl.IAM, o, schedulerRoleSpec(c.RoleName, account, fnARN))
	if err != nil {
		return "", err
	}
	target := &stypes.Target{Arn: aws.String(fnARN), RoleArn: aws.String(role), Input: aws.String(input)}
	ftw := &stypes.FlexibleTimeWindow{Mode: stypes.FlexibleTimeWindowModeOff}
	got, err := cl.Scheduler.GetSchedule(ctx, &scheduler.GetScheduleInput{Name: aws.String(c.Spec.Name), GroupName: aws.String(group)})
	switch {
	case isCode(err, "ResourceNotFoundException"):
		out, err := cl.Scheduler.CreateSchedule(ctx, &scheduler.CreateScheduleInput{Name: aws.String(c.Spec.Name), GroupName: aws.String(group),
			ScheduleExpression: aws.String(expr), ScheduleExpressionTimezone: aws.String(zone), FlexibleTimeWindow: ftw,
			Target: target, State: stypes.ScheduleStateEnabled, Description: aws.String("hsfan job spec " + c.Spec.Name)})
		if err != nil {
			return "", awsError("scheduler", "CreateSchedule", group+"/"+c.Spec.Name, err)
		}
		o.say("created schedule %s (%s, %s) invoking %s", c.Spec.Name, expr, zone, c.Function)
		return aws.ToString(out.ScheduleArn), nil
	case err != nil:
		return "", awsError("scheduler", "GetSchedule", group+"/"+c.Spec.Name, err)
	}
	same := aws.ToString(got.ScheduleExpression) == expr && aws.ToString(got.ScheduleExpressionTimezone) == zone &&
		got.FlexibleTimeWindow != nil && got.FlexibleTimeWindow.Mode == stypes.FlexibleTimeWindowModeOff && got.State == stypes.ScheduleStateEnabled &&
		got.Target != nil && aws.ToString(got.Target.Arn) == fnARN && aws.ToString(got.Target.RoleArn) == role && aws.ToString(got.Target.Input) == input
	if same {
		o.say("schedule %s up to date", c.Spec.Name)
		return aws.ToString(got.Arn), nil
	}
	out, err := cl.Scheduler.UpdateSchedule(ctx, &scheduler.UpdateScheduleInput{Name: aws.String(c.Spec.Name), GroupName: aws.String(group),
		ScheduleExpression: aws.String(expr), ScheduleExpressionTimezone: aws.String(zone), FlexibleTimeWindow: ftw,
		Target: target, State: stypes.ScheduleStateEnabled, Description: aws.String("hsfan job spec " + c.Spec.Name)})
	if err != nil {
		return "", awsError("scheduler", "UpdateSchedule", group+"/"+c.Spec.Name, err)
	}
	o.say("updated schedule %s (%s, %s) invoking %s", c.Spec.Name, expr, zone, c.Function)
	return aws.ToString(out.ScheduleArn), nil
}

func (c ScheduleConfig) group() string {
	if c.Group == "" {
		return "default"
	}
	return c.Group
}

// DeleteSchedule removes the schedule named name; a missing schedule is not an error (the
// scheduler role stays: other schedules may use it; hsfan undeploy --all removes it).
func DeleteSchedule(ctx context.Context, cl Clients, o Options, group, name string) error {
	if group == "" {
		group = "default"
	}
	_, err := cl.Scheduler.GetSchedule(ctx, &scheduler.GetScheduleInput{Name: aws.String(name), GroupName: aws.String(group)})
	switch {
	case isCode(err, "ResourceNotFoundException"):
		o.say("schedule %s: not deployed", name)
		return nil
	case err != nil:
		return awsError("scheduler", "GetSchedule", group+"/"+name, err)
	}
	if _, err := cl.Scheduler.DeleteSchedule(ctx, &scheduler.DeleteScheduleInput{Name: aws.String(name), GroupName: aws.String(group)}); err != nil {
		return awsError("scheduler", "DeleteSchedule", group+"/"+name, err)
	}
	o.say("deleted schedule %s", name)
	return nil
}

// cronDescriptors are the standard cron shorthands.
var cronDescriptors = map[string]string{
	"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
	"@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
}

// EventBridgeCron turns a standard five-field cron expression (minute hour day-of-month month
// day-of-week, Sunday 0 or 7; or a descriptor such as @monthly), as github.com/robfig/cron/v3
// reads it for hsfan schedule run, into EventBridge Scheduler's cron(minutes hours day-of-month
// month day-of-week year) (Scheduler User Guide, "Schedule types: cron-based"): days of the week
// are 1-7 with Sunday 1, one of the two day fields must be "?", and there is a year field.
// Standard cron ORs a restricted day-of-month with a restricted day-of-week; EventBridge cannot
// say that, so such an expression is an error, as are steps in the day-of-week field, which
// EventBridge does not take. "@every D" becomes rate(N minutes|hours|days) (whole minutes, at
// least one), which like cron's @every counts from when the schedule starts.
func EventBridgeCron(expr string) (string, error) {
	e := strings.TrimSpace(expr)
	if d, ok := cronDescriptors[strings.ToLower(e)]; ok {
		e = d
	}
	if rest, ok := strings.CutPrefix(e, "@every "); ok {
		return eventBridgeRate(expr, strings.TrimSpace(rest))
	}
	f := strings.Fields(e)
	if len(f) != 5 {
		return "", fmt.Errorf("schedule %q: want a cron expression of 5 fields (minute hour day-of-month month day-of-week) or @hourly, @daily, @weekly, @monthly, @yearly", expr)
	}
	dom, dow := f[2], f[4]
	switch {
	case dow == "*" || dow == "?":
		dow = "?"
	case dom == "*" || dom == "?":
		dom = "?"
		var err error
		if dow, err = eventBridgeDOW(dow); err != nil {
			return "", fmt.Errorf("schedule %q: %w", expr, err)
		}
	default:
		return "", fmt.Errorf("schedule %q: both day-of-month and day-of-week are restricted (cron runs on either): EventBridge Scheduler takes one of them; make the other *", expr)
	}
	return fmt.Sprintf("cron(%s %s %s %s %s *)", f[0], f[1], dom, f[3], dow), nil
}

// eventBridgeRate is rate(N unit) for a Go duration of whole minutes.
func eventBridgeRate(expr, d string) (string, error) {
	dur, err := time.ParseDuration(d)
	if err != nil || dur < time.Minute || dur%time.Minute != 0 {
		return "", fmt.Errorf("schedule %q: @every takes a duration of whole minutes, at least 1m (EventBridge rate expressions count minutes, hours or days)", expr)
	}
	n, unit := int64(dur/time.Minute), "minute"
	switch {
	case dur%(24*time.Hour) == 0:
		n, unit = int64(dur/(24*time.Hour)), "day"
	case dur%time.Hour == 0:
		n, unit = int64(dur/time.Hour), "hour"
	}
	if n != 1 {
		unit += "s"
	}
	return fmt.Sprintf("rate(%d %s)", n, unit), nil
}

// eventBridgeDOW maps a day-of-week field from cron's 0-7 (Sunday 0 and 7) to EventBridge's 1-7
// (Sunday 1); names (MON-FRI) are kept.
func eventBridgeDOW(field string) (string, error) {
	parts := strings.Split(field, ",")
	for i, p := range parts {
		if strings.Contains(p, "/") {
			return "", fmt.Errorf("day-of-week %q: EventBridge takes no steps (/) in day-of-week: list the days", field)
		}
		lo, hi, isRange := strings.Cut(p, "-")
		a, err := dowNumber(lo)
		if err != nil {
			return "", err
		}
		if !isRange {
			parts[i] = a
			continue
		}
		b, err := dowNumber(hi)
		if err != nil {
			return "", err
		}
		an, aerr := strconv.Atoi(a)
		bn, berr := strconv.Atoi(b)
		if aerr == nil && berr == nil && bn < an {
			if bn == 1 && hi != "1" { // a range ending on Sunday 7, e.g. 5-7
				parts[i] = a + "-7,1"
				continue
			}
			return "", fmt.Errorf("day-of-week range %q wraps around the week: split it", p)
		}
		parts[i] = a + "-" + b
	}
	return strings.Join(parts, ","), nil
}

func dowNumber(s string) (string, error) {
	n, err := strconv.Atoi(s)
	if err != nil {
		if regexp.MustCompile(`^(?i:SUN|MON|TUE|WED|THU|FRI|SAT)$`).MatchString(s) {
			return strings.ToUpper(s), nil
		}
		return "", fmt.Errorf("day-of-week %q: want 0-7 or SUN-SAT", s)
	}
	if n < 0 || n > 7 {
		return "", fmt.Errorf("day-of-week %d: want 0-7 (Sunday 0 or 7)", n)
	}
	return strconv.Itoa(n%7 + 1), nil
}
