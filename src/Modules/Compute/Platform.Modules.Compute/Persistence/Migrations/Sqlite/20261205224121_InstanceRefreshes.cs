using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Compute.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class InstanceRefreshes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "compute_instance_refreshes",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
                    group_id = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    active_group_id = table.Column<string>(type: "TEXT", maxLength: 36, nullable: true),
                    status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    status_reason = table.Column<string>(type: "TEXT", maxLength: 1023, nullable: true),
                    min_healthy_percentage = table.Column<int>(type: "INTEGER", nullable: false),
                    instance_warmup = table.Column<int>(type: "INTEGER", nullable: true),
                    start_time = table.Column<DateTime>(type: "TEXT", nullable: false),
                    end_time = table.Column<DateTime>(type: "TEXT", nullable: true),
                    percentage_complete = table.Column<int>(type: "INTEGER", nullable: false),
                    instances_to_update = table.Column<int>(type: "INTEGER", nullable: false),
                    initial_instances_to_update = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_compute_instance_refreshes", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_compute_instance_refreshes_active_group_id",
                table: "compute_instance_refreshes",
                column: "active_group_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_compute_instance_refreshes_group_id_start_time",
                table: "compute_instance_refreshes",
                columns: new[] { "group_id", "start_time" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "compute_instance_refreshes");
        }
    }
}
