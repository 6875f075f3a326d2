using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Storage.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class OwnershipAndAcls : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "acl",
                table: "storage_s3_objects",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "acl",
                table: "storage_s3_object_versions",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "acl",
                table: "storage_multipart_uploads",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "acl",
                table: "storage_buckets",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "object_ownership",
                table: "storage_buckets",
                type: "TEXT",
                maxLength: 32,
                nullable: false,
                defaultValue: "BucketOwnerEnforced");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "acl",
                table: "storage_s3_objects");

            migrationBuilder.DropColumn(
                name: "acl",
                table: "storage_s3_object_versions");

            migrationBuilder.DropColumn(
                name: "acl",
                table: "storage_multipart_uploads");

            migrationBuilder.DropColumn(
                name: "acl",
                table: "storage_buckets");

            migrationBuilder.DropColumn(
                name: "object_ownership",
                table: "storage_buckets");
        }
    }
}
