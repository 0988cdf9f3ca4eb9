// Package rest serves the HDF REST API as HSDS 0.9.4 does, over an hsds/store.Store: domains
// and folders, groups and links, datasets and their values, attributes, committed datatypes and
// ACLs, with HSDS's status codes, headers, HTTP Basic auth and ACL checks.
//
// [Server] is an http.Handler. [HandleLambdaEvent] runs HSDS Lambda events and API Gateway
// HTTP API v2 events through the same handler and answers with HSDS's Lambda envelope.
//
// Objects, links, attributes and domains deleted during the server's lifetime answer 410 Gone,
// as HSDS's in-memory tombstones do; a fresh server answers 404 for them.
package rest
