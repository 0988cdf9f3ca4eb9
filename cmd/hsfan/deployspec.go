package main

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/hsfan/hsfan/deploy"
	"go.yaml.in/yaml/v3"
)

// scheduleSpecDoc is the part of a job spec file a schedule needs: the top-level name and the
// schedule's cron expression and time zone, keyed as jobs/spec keys them (name, schedule.cron,
// schedule.time_zone). Other keys belong to the job and are not read here.
type scheduleSpecDoc struct {
	Name     string `yaml:"name"`
	Schedule *struct {
		Cron     string `yaml:"cron"`
		TimeZone string `yaml:"time_zone"`
	} `yaml:"schedule"`
}

// parseScheduleSpec reads name, schedule.cron and schedule.time_zone from a YAML job spec; the
// whole file is the schedule's payload. This is the interim reader until jobs/spec.Load (which
// checks the whole spec strictly) is wired into loadScheduleSpec; errors name the missing key.
func parseScheduleSpec(body []byte) (deploy.ScheduleSpec, error) {
	var doc scheduleSpecDoc
	if err := yaml.NewDecoder(bytes.NewReader(body)).Decode(&doc); err != nil {
		return deploy.ScheduleSpec{}, fmt.Errorf("yaml: %w", err)
	}
	switch {
	case doc.Name == "":
		return deploy.ScheduleSpec{}, fmt.Errorf("no name: a scheduled spec needs a top-level name (the schedule's name)")
	case doc.Schedule == nil || doc.Schedule.Cron == "":
		return deploy.ScheduleSpec{}, fmt.Errorf("no schedule.cron: a scheduled spec needs schedule: {cron: \"0 3 1 * *\", time_zone: UTC}")
	case doc.Schedule.TimeZone == "" && !strings.HasPrefix(doc.Schedule.Cron, "CRON_TZ=") && !strings.HasPrefix(doc.Schedule.Cron, "TZ="):
		return deploy.ScheduleSpec{}, fmt.Errorf("no schedule.time_zone: the time zone of the cron expression must be explicit (UTC, Europe/Paris, ...)")
	}
	return deploy.ScheduleSpec{Name: doc.Name, Cron: doc.Schedule.Cron, TimeZone: doc.Schedule.TimeZone, Body: body}, nil
}
