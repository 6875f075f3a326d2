using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Storage.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class LifecycleAndTags : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "tags",
                table: "storage_s3_objects",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "tags",
                table: "storage_s3_object_versions",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "tags",
                table: "storage_multipart_uploads",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "lifecycle",
                table: "storage_buckets",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "tagging",
                table: "storage_buckets",
                type: "TEXT",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "tags",
                table: "storage_s3_objects");

            migrationBuilder.DropColumn(
                name: "tags",
                table: "storage_s3_object_versions");

            migrationBuilder.DropColumn(
                name: "tags",
                table: "storage_multipart_uploads");

            migrationBuilder.DropColumn(
                name: "lifecycle",
                table: "storage_buckets");

            migrationBuilder.DropColumn(
                name: "tagging",
                table: "storage_buckets");
        }
    }
}
