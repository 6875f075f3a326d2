using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Storage.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class OwnershipAndAcls : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "acl",
                schema: "storage",
                table: "s3_objects",
                type: "nvarchar(max)",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "acl",
                schema: "storage",
                table: "s3_object_versions",
                type: "nvarchar(max)",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "acl",
                schema: "storage",
                table: "multipart_uploads",
                type: "nvarchar(max)",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "acl",
                schema: "storage",
                table: "buckets",
                type: "nvarchar(max)",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "object_ownership",
                schema: "storage",
                table: "buckets",
                type: "nvarchar(32)",
                maxLength: 32,
                nullable: false,
                defaultValue: "BucketOwnerEnforced");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "acl",
                schema: "storage",
                table: "s3_objects");

            migrationBuilder.DropColumn(
                name: "acl",
                schema: "storage",
                table: "s3_object_versions");

            migrationBuilder.DropColumn(
                name: "acl",
                schema: "storage",
                table: "multipart_uploads");

            migrationBuilder.DropColumn(
                name: "acl",
                schema: "storage",
                table: "buckets");

            migrationBuilder.DropColumn(
                name: "object_ownership",
                schema: "storage",
                table: "buckets");
        }
    }
}
