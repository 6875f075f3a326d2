using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Storage.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class ObjectLock : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "legal_hold",
                schema: "storage",
                table: "s3_objects",
                type: "bit",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "lock_mode",
                schema: "storage",
                table: "s3_objects",
                type: "nvarchar(16)",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "lock_retain_until",
                schema: "storage",
                table: "s3_objects",
                type: "datetime2",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "legal_hold",
                schema: "storage",
                table: "s3_object_versions",
                type: "bit",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "lock_mode",
                schema: "storage",
                table: "s3_object_versions",
                type: "nvarchar(16)",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "lock_retain_until",
                schema: "storage",
                table: "s3_object_versions",
                type: "datetime2",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "object_lock",
                schema: "storage",
                table: "buckets",
                type: "nvarchar(max)",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "object_lock_enabled",
                schema: "storage",
                table: "buckets",
                type: "bit",
                nullable: false,
                defaultValue: false);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "legal_hold",
                schema: "storage",
                table: "s3_objects");

            migrationBuilder.DropColumn(
                name: "lock_mode",
                schema: "storage",
                table: "s3_objects");

            migrationBuilder.DropColumn(
                name: "lock_retain_until",
                schema: "storage",
                table: "s3_objects");

            migrationBuilder.DropColumn(
                name: "legal_hold",
                schema: "storage",
                table: "s3_object_versions");

            migrationBuilder.DropColumn(
                name: "lock_mode",
                schema: "storage",
                table: "s3_object_versions");

            migrationBuilder.DropColumn(
                name: "lock_retain_until",
                schema: "storage",
                table: "s3_object_versions");

            migrationBuilder.DropColumn(
                name: "object_lock",
                schema: "storage",
                table: "buckets");

            migrationBuilder.DropColumn(
                name: "object_lock_enabled",
                schema: "storage",
                table: "buckets");
        }
    }
}
