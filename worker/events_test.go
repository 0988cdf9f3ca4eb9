package worker

import (
	"context"

	"github.com/hsfan/hsfan/hsds/rest"
)

// restEvents is cmd/worker's Config.Events (the HDF REST API), for the tests that send REST
// events through a Handler.
func restEvents(_ context.Context, ec EventConfig) (EventFunc, error) {
	srv, err := rest.New(rest.Config{Store: ec.Store, Bucket: ec.Bucket, Logger: ec.Logger,
		Lambda: ec.Lambda, LambdaFunction: ec.LambdaFunction})
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, payload []byte) ([]byte, error) {
		return rest.HandleLambdaEvent(ctx, srv, payload)
	}, nil
}
