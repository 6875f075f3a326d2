using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Storage.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class VolumeModifications : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "modification_ended_at",
                table: "storage_volumes",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "modification_started_at",
                table: "storage_volumes",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "modification_state",
                table: "storage_volumes",
                type: "TEXT",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "original_size_gib",
                table: "storage_volumes",
                type: "INTEGER",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "modification_ended_at",
                table: "storage_volumes");

            migrationBuilder.DropColumn(
                name: "modification_started_at",
                table: "storage_volumes");

            migrationBuilder.DropColumn(
                name: "modification_state",
                table: "storage_volumes");

            migrationBuilder.DropColumn(
                name: "original_size_gib",
                table: "storage_volumes");
        }
    }
}
