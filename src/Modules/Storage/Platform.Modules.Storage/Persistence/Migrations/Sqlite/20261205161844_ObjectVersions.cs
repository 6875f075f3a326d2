using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Storage.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class ObjectVersions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "is_delete_marker",
                table: "storage_s3_objects",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "version_id",
                table: "storage_s3_objects",
                type: "TEXT",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "versioning",
                table: "storage_buckets",
                type: "TEXT",
                maxLength: 16,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "storage_s3_object_versions",
                columns: table => new
                {
                    bucket_name = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    object_key = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: false),
                    version_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    segments = table.Column<string>(type: "TEXT", nullable: false),
                    size = table.Column<long>(type: "INTEGER", nullable: false),
                    etag = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    content_type = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    metadata = table.Column<string>(type: "TEXT", nullable: true),
                    last_modified = table.Column<DateTime>(type: "TEXT", nullable: false),
                    encrypted = table.Column<bool>(type: "INTEGER", nullable: false),
                    parts_count = table.Column<int>(type: "INTEGER", nullable: false),
                    checksum_algorithm = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true),
                    checksum = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    checksum_type = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true),
                    is_delete_marker = table.Column<bool>(type: "INTEGER", nullable: false),
                    noncurrent_since = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_storage_s3_object_versions", x => new { x.bucket_name, x.object_key, x.version_id });
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "storage_s3_object_versions");

            migrationBuilder.DropColumn(
                name: "is_delete_marker",
                table: "storage_s3_objects");

            migrationBuilder.DropColumn(
                name: "version_id",
                table: "storage_s3_objects");

            migrationBuilder.DropColumn(
                name: "versioning",
                table: "storage_buckets");
        }
    }
}
