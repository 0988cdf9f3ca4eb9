package main

import (
	"bytes"
	"fmt"

	"github.com/hsfan/hsfan/deploy"
	"go.yaml.in/yaml/v3"
)

// scheduleSpecDoc is the part of a job spec file a schedule needs: the top-level name and the
// schedule's cron expression and time zone. Other keys belong to the job and are not read here.
type scheduleSpecDoc struct {
	Name     string `yaml:"name"`
	Schedule *struct {
		Cron     string `yaml:"cron"`
		TimeZone string `yaml:"timezone"`
	} `yaml:"schedule"`
}

// parseScheduleSpec reads name, schedule.cron and schedule.timezone from a YAML job spec; the
// whole file is the schedule's payload. This is the interim reader until the job spec package is
// wired into loadScheduleSpec; errors name the missing key.
func parseScheduleSpec(body []byte) (deploy.ScheduleSpec, error) {
	var doc scheduleSpecDoc
	if err := yaml.NewDecoder(bytes.NewReader(body)).Decode(&doc); err != nil {
		return deploy.ScheduleSpec{}, fmt.Errorf("yaml: %w", err)
	}
	switch {
	case doc.Name == "":
		return deploy.ScheduleSpec{}, fmt.Errorf("no name: a scheduled spec needs a top-level name (the schedule's name)")
	case doc.Schedule == nil || doc.Schedule.Cron == "":
		return deploy.ScheduleSpec{}, fmt.Errorf("no schedule.cron: a scheduled spec needs schedule: {cron: \"0 3 1 * *\", timezone: UTC}")
	case doc.Schedule.TimeZone == "":
		return deploy.ScheduleSpec{}, fmt.Errorf("no schedule.timezone: the time zone of the cron expression must be explicit (UTC, Europe/Paris, ...)")
	}
	return deploy.ScheduleSpec{Name: doc.Name, Cron: doc.Schedule.Cron, TimeZone: doc.Schedule.TimeZone, Body: body}, nil
}
