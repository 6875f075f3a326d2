using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Storage.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class LifecycleAndTags : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "tags",
                schema: "storage",
                table: "s3_objects",
                type: "nvarchar(max)",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "tags",
                schema: "storage",
                table: "s3_object_versions",
                type: "nvarchar(max)",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "tags",
                schema: "storage",
                table: "multipart_uploads",
                type: "nvarchar(max)",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "lifecycle",
                schema: "storage",
                table: "buckets",
                type: "nvarchar(max)",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "tagging",
                schema: "storage",
                table: "buckets",
                type: "nvarchar(max)",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "tags",
                schema: "storage",
                table: "s3_objects");

            migrationBuilder.DropColumn(
                name: "tags",
                schema: "storage",
                table: "s3_object_versions");

            migrationBuilder.DropColumn(
                name: "tags",
                schema: "storage",
                table: "multipart_uploads");

            migrationBuilder.DropColumn(
                name: "lifecycle",
                schema: "storage",
                table: "buckets");

            migrationBuilder.DropColumn(
                name: "tagging",
                schema: "storage",
                table: "buckets");
        }
    }
}
