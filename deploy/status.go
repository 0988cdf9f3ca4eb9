package deploy

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// Status writes what is deployed: the function (state, image, memory, timeout, architecture,
// role, environment names, reserved concurrency, file system) and whether each role exists. It
// reads only; a missing function or role is reported, not an error.
func Status(ctx context.Context, cl Clients, function string, roles []string, w io.Writer) error {
	got, err := cl.Lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(function)})
	switch {
	case isCode(err, "ResourceNotFoundException"):
		fmt.Fprintf(w, "function %s: not deployed\n", function)
	case err != nil:
		return awsError("lambda", "GetFunction", function, err)
	default:
		c := got.Configuration
		fmt.Fprintf(w, "function %s: %s (last update %s)\n", function, c.State, c.LastUpdateStatus)
		fmt.Fprintf(w, "  arn          %s\n", aws.ToString(c.FunctionArn))
		if got.Code != nil {
			fmt.Fprintf(w, "  image        %s\n", aws.ToString(got.Code.ImageUri))
			if r := aws.ToString(got.Code.ResolvedImageUri); r != "" && r != aws.ToString(got.Code.ImageUri) {
				fmt.Fprintf(w, "  resolved     %s\n", r)
			}
		}
		arch := ""
		for _, a := range c.Architectures {
			arch += string(a)
		}
		fmt.Fprintf(w, "  memory       %d MB\n  timeout      %d s\n  architecture %s\n  role         %s\n",
			aws.ToInt32(c.MemorySize), aws.ToInt32(c.Timeout), arch, aws.ToString(c.Role))
		if c.Environment != nil {
			fmt.Fprintf(w, "  environment  %s\n", strings.Join(sortedKeys(c.Environment.Variables), " "))
		}
		if got.Concurrency != nil && got.Concurrency.ReservedConcurrentExecutions != nil {
			fmt.Fprintf(w, "  reserved     %d\n", *got.Concurrency.ReservedConcurrentExecutions)
		} else {
			fmt.Fprintf(w, "  reserved     none (the account's unreserved pool)\n")
		}
		for _, f := range c.FileSystemConfigs {
			fmt.Fprintf(w, "  file system  %s at %s\n", aws.ToString(f.Arn), aws.ToString(f.LocalMountPath))
		}
		if c.VpcConfig != nil && len(c.VpcConfig.SubnetIds) > 0 {
			fmt.Fprintf(w, "  vpc          %s subnets %s security groups %s\n", aws.ToString(c.VpcConfig.VpcId),
				strings.Join(c.VpcConfig.SubnetIds, ","), strings.Join(c.VpcConfig.SecurityGroupIds, ","))
		}
	}
	for _, r := range roles {
		got, err := cl.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(r)})
		switch {
		case isCode(err, "NoSuchEntity"):
			fmt.Fprintf(w, "role %s: not deployed\n", r)
		case err != nil:
			return awsError("iam", "GetRole", r, err)
		default:
			fmt.Fprintf(w, "role %s: %s\n", r, aws.ToString(got.Role.Arn))
		}
	}
	return nil
}
