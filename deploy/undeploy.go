package deploy

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// UndeployConfig names what to remove: the function always; the roles and the ECR repository
// (with its images) when named. Schedules are removed by `hsfan deploy schedule --delete`.
type UndeployConfig struct {
	Function   string
	Roles      []string
	Repository string
}

// Undeploy removes what c names; what is already gone is skipped, so a second run makes no
// mutating call.
func Undeploy(ctx context.Context, cl Clients, o Options, c UndeployConfig) error {
	_, err := cl.Lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(c.Function)})
	switch {
	case isCode(err, "ResourceNotFoundException"):
		o.say("function %s: not deployed", c.Function)
	case err != nil:
		return awsError("lambda", "GetFunction", c.Function, err)
	default:
		if _, err := cl.Lambda.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String(c.Function)}); err != nil {
			return awsError("lambda", "DeleteFunction", c.Function, err)
		}
		o.say("deleted function %s", c.Function)
	}
	for _, r := range c.Roles {
		existed, err := deleteRole(ctx, cl.IAM, o, r)
		if err != nil {
			return err
		}
		if !existed {
			o.say("role %s: not deployed", r)
		}
	}
	if c.Repository == "" {
		return nil
	}
	_, err = cl.ECR.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{RepositoryNames: []string{c.Repository}})
	switch {
	case isCode(err, "RepositoryNotFoundException"):
		o.say("ECR repository %s: not deployed", c.Repository)
		return nil
	case err != nil:
		return awsError("ecr", "DescribeRepositories", c.Repository, err)
	}
	if _, err := cl.ECR.DeleteRepository(ctx, &ecr.DeleteRepositoryInput{RepositoryName: aws.String(c.Repository), Force: true}); err != nil {
		return awsError("ecr", "DeleteRepository", c.Repository, err)
	}
	o.say("deleted ECR repository %s and its images", c.Repository)
	return nil
}
