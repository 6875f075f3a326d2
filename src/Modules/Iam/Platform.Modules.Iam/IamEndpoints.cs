using System.Text.Json;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Platform.Modules.Iam.AccessKeys;
using Platform.Modules.Iam.Accounts;
using Platform.Modules.Iam.Groups;
using Platform.Modules.Iam.Identity;
using Platform.Modules.Iam.InlinePolicies;
using Platform.Modules.Iam.InstanceProfiles;
using Platform.Modules.Iam.ManagedPolicies;
using Platform.Modules.Iam.Roles;
using Platform.Modules.Iam.Sts;
using Platform.Modules.Iam.Users;
using Platform.Modules.Shared.Authentication;

namespace Platform.Modules.Iam;

/// <summary>The native IAM API: <c>/api/v1/iam/...</c>, snake_case JSON.</summary>
internal static class IamEndpoints
{
    public const string Prefix = "/api/v1/iam";

    public static RouteGroupBuilder MapIam(IEndpointRouteBuilder routes)
    {
        var iam = routes.MapGroup(Prefix).WithTags("IAM").WithMetadata(SigningService.Iam);

        iam.MapGet("/caller-identity", async (ISender sender, CancellationToken ct) => TypedResults.Ok(await sender.Send(new GetCallerIdentity(), ct)));

        iam.MapPost("/accounts", async (CreateAccountBody body, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new CreateAccount(body.AccountName), ct)));
        iam.MapGet("/accounts", async (ISender sender, CancellationToken ct) => TypedResults.Ok(await sender.Send(new ListAccounts(), ct)));

        iam.MapPost("/users", async (CreateUserBody body, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new CreateUser(body.UserName, body.Path, body.Tags?.Select(t => new RoleTag(t.Key ?? "", t.Value ?? "")).ToList()), ct)));
        iam.MapPatch("/users/{user_name}", async ([FromRoute(Name = "user_name")] string userName, UpdateUserBody body, ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new UpdateUser(userName, body.NewUserName, body.NewPath), ct)));
        iam.MapPost("/users/{user_name}/tags", async ([FromRoute(Name = "user_name")] string userName, TagsBody body, ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new TagUser(userName, (body.Tags ?? []).Select(t => new RoleTag(t.Key ?? "", t.Value ?? "")).ToList()), ct)));
        iam.MapGet("/users/{user_name}/tags", async ([FromRoute(Name = "user_name")] string userName, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new ListUserTags(userName), ct)));
        iam.MapDelete("/users/{user_name}/tags", async ([FromRoute(Name = "user_name")] string userName, [FromQuery(Name = "tag_key")] string[]? tagKeys,
                ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new UntagUser(userName, tagKeys ?? []), ct)));
        iam.MapGet("/users", async ([FromQuery(Name = "path_prefix")] string? pathPrefix, [FromQuery(Name = "max_items")] int? maxItems,
                [FromQuery(Name = "marker")] string? marker, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new ListUsers(pathPrefix, maxItems, marker), ct)));
        iam.MapGet("/users/{user_name}", async ([FromRoute(Name = "user_name")] string userName, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new GetUser(userName), ct)));
        iam.MapDelete("/users/{user_name}", async ([FromRoute(Name = "user_name")] string userName, ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new DeleteUser(userName), ct)));

        iam.MapPost("/access-keys", async (CreateAccessKeyBody? body, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new CreateAccessKey(body?.UserName), ct)));
        iam.MapGet("/access-keys", async ([FromQuery(Name = "user_name")] string? userName, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new ListAccessKeys(userName), ct)));
        iam.MapPatch("/access-keys/{access_key_id}", async ([FromRoute(Name = "access_key_id")] string accessKeyId, UpdateAccessKeyBody body,
                ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new UpdateAccessKey(accessKeyId, body.UserName, body.Status), ct)));
        iam.MapDelete("/access-keys/{access_key_id}", async ([FromRoute(Name = "access_key_id")] string accessKeyId,
                [FromQuery(Name = "user_name")] string? userName, ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new DeleteAccessKey(accessKeyId, userName), ct)));

        iam.MapPost("/policies", async (CreatePolicyBody body, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new CreatePolicy(body.PolicyName, body.PolicyDocument, body.Path, body.Description), ct)));
        iam.MapGet("/policies", async ([FromQuery(Name = "scope")] string? scope, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new ListPolicies(scope), ct)));
        iam.MapGet("/policies/{policy_name}", async ([FromRoute(Name = "policy_name")] string policyName, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new GetPolicy(policyName), ct)));
        iam.MapDelete("/policies/{policy_name}", async ([FromRoute(Name = "policy_name")] string policyName, ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new DeletePolicy(policyName), ct)));

        iam.MapPost("/policies/{policy_name}/versions", async ([FromRoute(Name = "policy_name")] string policyName, CreatePolicyVersionBody body,
                ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new CreatePolicyVersion(policyName, body.PolicyDocument, body.SetAsDefault ?? false), ct)));
        iam.MapGet("/policies/{policy_name}/versions", async ([FromRoute(Name = "policy_name")] string policyName, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new ListPolicyVersions(policyName), ct)));
        iam.MapGet("/policies/{policy_name}/versions/{version_id}", async ([FromRoute(Name = "policy_name")] string policyName,
                [FromRoute(Name = "version_id")] string versionId, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new GetPolicyVersion(policyName, versionId), ct)));
        iam.MapDelete("/policies/{policy_name}/versions/{version_id}", async ([FromRoute(Name = "policy_name")] string policyName,
                [FromRoute(Name = "version_id")] string versionId, ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new DeletePolicyVersion(policyName, versionId), ct)));
        iam.MapPut("/policies/{policy_name}/default-version", async ([FromRoute(Name = "policy_name")] string policyName, DefaultVersionBody body,
                ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new SetDefaultPolicyVersion(policyName, body.VersionId ?? ""), ct)));

        iam.MapPost("/users/{user_name}/attached-policies", async ([FromRoute(Name = "user_name")] string userName, AttachPolicyBody body,
                ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new AttachUserPolicy(userName, body.PolicyArn), ct)));
        iam.MapGet("/users/{user_name}/attached-policies", async ([FromRoute(Name = "user_name")] string userName, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new ListAttachedUserPolicies(userName), ct)));
        iam.MapDelete("/users/{user_name}/attached-policies", async ([FromRoute(Name = "user_name")] string userName,
                [FromQuery(Name = "policy_arn")] string? policyArn, ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new DetachUserPolicy(userName, policyArn), ct)));

        iam.MapPut("/users/{user_name}/policies/{policy_name}", async ([FromRoute(Name = "user_name")] string userName,
                [FromRoute(Name = "policy_name")] string policyName, PutUserPolicyBody body, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new PutUserPolicy(userName, policyName, body.PolicyDocument), ct)));
        iam.MapGet("/users/{user_name}/policies", async ([FromRoute(Name = "user_name")] string userName, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new ListUserPolicies(userName), ct)));
        iam.MapGet("/users/{user_name}/policies/{policy_name}", async ([FromRoute(Name = "user_name")] string userName,
                [FromRoute(Name = "policy_name")] string policyName, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new GetUserPolicy(userName, policyName), ct)));
        iam.MapDelete("/users/{user_name}/policies/{policy_name}", async ([FromRoute(Name = "user_name")] string userName,
                [FromRoute(Name = "policy_name")] string policyName, ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new DeleteUserPolicy(userName, policyName), ct)));

        MapGroups(iam);
        MapRoles(iam);
        MapInstanceProfiles(iam);
        iam.MapPost("/sts/assume-role", async (AssumeRoleBody body, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new AssumeRole(body.RoleArn, body.RoleSessionName, body.DurationSeconds, body.Policy, body.ExternalId), ct)));
        iam.MapPost("/sts/session-token", async (SessionTokenBody? body, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new GetSessionToken(body?.DurationSeconds), ct)));
        return iam;
    }

    private static void MapInstanceProfiles(RouteGroupBuilder iam)
    {
        iam.MapPost("/instance-profiles", async (CreateInstanceProfileBody body, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new CreateInstanceProfile(body.InstanceProfileName, body.Path), ct)));
        iam.MapGet("/instance-profiles", async ([FromQuery(Name = "path_prefix")] string? pathPrefix, [FromQuery(Name = "max_items")] int? maxItems,
                [FromQuery(Name = "marker")] string? marker, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new ListInstanceProfiles(pathPrefix, maxItems, marker), ct)));
        iam.MapGet("/instance-profiles/{name}", async ([FromRoute(Name = "name")] string name, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new GetInstanceProfile(name), ct)));
        iam.MapDelete("/instance-profiles/{name}", async ([FromRoute(Name = "name")] string name, ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new DeleteInstanceProfile(name), ct)));
        iam.MapPut("/instance-profiles/{name}/roles/{role_name}", async ([FromRoute(Name = "name")] string name,
                [FromRoute(Name = "role_name")] string roleName, ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new AddRoleToInstanceProfile(name, roleName), ct)));
        iam.MapDelete("/instance-profiles/{name}/roles/{role_name}", async ([FromRoute(Name = "name")] string name,
                [FromRoute(Name = "role_name")] string roleName, ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new RemoveRoleFromInstanceProfile(name, roleName), ct)));
    }

    private static void MapGroups(RouteGroupBuilder iam)
    {
        iam.MapPost("/groups", async (CreateGroupBody body, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new CreateGroup(body.GroupName, body.Path), ct)));
        iam.MapGet("/groups", async ([FromQuery(Name = "path_prefix")] string? pathPrefix, [FromQuery(Name = "max_items")] int? maxItems,
                [FromQuery(Name = "marker")] string? marker, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new ListGroups(pathPrefix, maxItems, marker), ct)));
        iam.MapGet("/groups/{group_name}", async ([FromRoute(Name = "group_name")] string groupName, [FromQuery(Name = "max_items")] int? maxItems,
                [FromQuery(Name = "marker")] string? marker, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new GetGroup(groupName, maxItems, marker), ct)));
        iam.MapDelete("/groups/{group_name}", async ([FromRoute(Name = "group_name")] string groupName, ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new DeleteGroup(groupName), ct)));
        iam.MapPut("/groups/{group_name}/users/{user_name}", async ([FromRoute(Name = "group_name")] string groupName,
                [FromRoute(Name = "user_name")] string userName, ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new AddUserToGroup(groupName, userName), ct)));
        iam.MapDelete("/groups/{group_name}/users/{user_name}", async ([FromRoute(Name = "group_name")] string groupName,
                [FromRoute(Name = "user_name")] string userName, ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new RemoveUserFromGroup(groupName, userName), ct)));
        iam.MapGet("/users/{user_name}/groups", async ([FromRoute(Name = "user_name")] string userName, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new ListGroupsForUser(userName), ct)));

        iam.MapPost("/groups/{group_name}/attached-policies", async ([FromRoute(Name = "group_name")] string groupName, AttachPolicyBody body,
                ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new AttachGroupPolicy(groupName, body.PolicyArn), ct)));
        iam.MapGet("/groups/{group_name}/attached-policies", async ([FromRoute(Name = "group_name")] string groupName, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new ListAttachedGroupPolicies(groupName), ct)));
        iam.MapDelete("/groups/{group_name}/attached-policies", async ([FromRoute(Name = "group_name")] string groupName,
                [FromQuery(Name = "policy_arn")] string? policyArn, ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new DetachGroupPolicy(groupName, policyArn), ct)));

        iam.MapPut("/groups/{group_name}/policies/{policy_name}", async ([FromRoute(Name = "group_name")] string groupName,
                [FromRoute(Name = "policy_name")] string policyName, PolicyDocumentBody body, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new PutGroupPolicy(groupName, policyName, body.PolicyDocument), ct)));
        iam.MapGet("/groups/{group_name}/policies", async ([FromRoute(Name = "group_name")] string groupName, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new ListGroupPolicies(groupName), ct)));
        iam.MapGet("/groups/{group_name}/policies/{policy_name}", async ([FromRoute(Name = "group_name")] string groupName,
                [FromRoute(Name = "policy_name")] string policyName, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new GetGroupPolicy(groupName, policyName), ct)));
        iam.MapDelete("/groups/{group_name}/policies/{policy_name}", async ([FromRoute(Name = "group_name")] string groupName,
                [FromRoute(Name = "policy_name")] string policyName, ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new DeleteGroupPolicy(groupName, policyName), ct)));
    }

    private static void MapRoles(RouteGroupBuilder iam)
    {
        iam.MapPost("/roles", async (CreateRoleBody body, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new CreateRole(body.RoleName, body.AssumeRolePolicyDocument, body.Path, body.Description, body.MaxSessionDuration,
                body.Tags?.Select(t => new RoleTag(t.Key ?? "", t.Value ?? "")).ToList()), ct)));
        iam.MapGet("/roles", async ([FromQuery(Name = "path_prefix")] string? pathPrefix, [FromQuery(Name = "max_items")] int? maxItems,
                [FromQuery(Name = "marker")] string? marker, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new ListRoles(pathPrefix, maxItems, marker), ct)));
        iam.MapGet("/roles/{role_name}", async ([FromRoute(Name = "role_name")] string roleName, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new GetRole(roleName), ct)));
        iam.MapPatch("/roles/{role_name}", async ([FromRoute(Name = "role_name")] string roleName, UpdateRoleBody body, ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new UpdateRole(roleName, body.Description, body.MaxSessionDuration), ct)));
        iam.MapPut("/roles/{role_name}/assume-role-policy", async ([FromRoute(Name = "role_name")] string roleName, PolicyDocumentBody body,
                ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new UpdateAssumeRolePolicy(roleName, body.PolicyDocument), ct)));
        iam.MapDelete("/roles/{role_name}", async ([FromRoute(Name = "role_name")] string roleName, ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new DeleteRole(roleName), ct)));

        iam.MapPost("/roles/{role_name}/attached-policies", async ([FromRoute(Name = "role_name")] string roleName, AttachPolicyBody body,
                ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new AttachRolePolicy(roleName, body.PolicyArn), ct)));
        iam.MapGet("/roles/{role_name}/attached-policies", async ([FromRoute(Name = "role_name")] string roleName, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new ListAttachedRolePolicies(roleName), ct)));
        iam.MapDelete("/roles/{role_name}/attached-policies", async ([FromRoute(Name = "role_name")] string roleName,
                [FromQuery(Name = "policy_arn")] string? policyArn, ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new DetachRolePolicy(roleName, policyArn), ct)));

        iam.MapPut("/roles/{role_name}/policies/{policy_name}", async ([FromRoute(Name = "role_name")] string roleName,
                [FromRoute(Name = "policy_name")] string policyName, PolicyDocumentBody body, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new PutRolePolicy(roleName, policyName, body.PolicyDocument), ct)));
        iam.MapGet("/roles/{role_name}/policies", async ([FromRoute(Name = "role_name")] string roleName, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new ListRolePolicies(roleName), ct)));
        iam.MapGet("/roles/{role_name}/policies/{policy_name}", async ([FromRoute(Name = "role_name")] string roleName,
                [FromRoute(Name = "policy_name")] string policyName, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new GetRolePolicy(roleName, policyName), ct)));
        iam.MapDelete("/roles/{role_name}/policies/{policy_name}", async ([FromRoute(Name = "role_name")] string roleName,
                [FromRoute(Name = "policy_name")] string policyName, ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new DeleteRolePolicy(roleName, policyName), ct)));

        iam.MapPost("/roles/{role_name}/tags", async ([FromRoute(Name = "role_name")] string roleName, TagsBody body, ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new TagRole(roleName, (body.Tags ?? []).Select(t => new RoleTag(t.Key ?? "", t.Value ?? "")).ToList()), ct)));
        iam.MapGet("/roles/{role_name}/tags", async ([FromRoute(Name = "role_name")] string roleName, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new ListRoleTags(roleName), ct)));
        iam.MapDelete("/roles/{role_name}/tags", async ([FromRoute(Name = "role_name")] string roleName, [FromQuery(Name = "tag_key")] string[]? tagKeys,
                ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new UntagRole(roleName, tagKeys ?? []), ct)));
    }

    private static async Task<NoContent> NoContent(ValueTask<Unit> work)
    {
        await work;
        return TypedResults.NoContent();
    }

    internal sealed record CreateAccountBody(string? AccountName);

    internal sealed record CreateUserBody(string? UserName, string? Path, IReadOnlyList<TagBody>? Tags);

    internal sealed record UpdateUserBody(string? NewUserName, string? NewPath);

    internal sealed record CreateGroupBody(string? GroupName, string? Path);

    internal sealed record CreateAccessKeyBody(string? UserName);

    internal sealed record UpdateAccessKeyBody(string? Status, string? UserName);

    internal sealed record CreatePolicyBody(string? PolicyName, JsonElement? PolicyDocument, string? Path, string? Description);

    internal sealed record AttachPolicyBody(string? PolicyArn);

    internal sealed record CreatePolicyVersionBody(JsonElement? PolicyDocument, bool? SetAsDefault);

    internal sealed record DefaultVersionBody(string? VersionId);

    internal sealed record PutUserPolicyBody(JsonElement? PolicyDocument);

    internal sealed record TagBody(string? Key, string? Value);

    internal sealed record TagsBody(IReadOnlyList<TagBody>? Tags);

    internal sealed record CreateRoleBody(string? RoleName, JsonElement? AssumeRolePolicyDocument, string? Path, string? Description, int? MaxSessionDuration,
        IReadOnlyList<TagBody>? Tags);

    internal sealed record AssumeRoleBody(string? RoleArn, string? RoleSessionName, int? DurationSeconds, string? Policy, string? ExternalId);

    internal sealed record CreateInstanceProfileBody(string? InstanceProfileName, string? Path);

    internal sealed record SessionTokenBody(int? DurationSeconds);

    internal sealed record UpdateRoleBody(string? Description, int? MaxSessionDuration);

    internal sealed record PolicyDocumentBody(JsonElement? PolicyDocument);
}
