using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Compute.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class InstanceRefreshes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "instance_refreshes",
                schema: "compute",
                columns: table => new
                {
                    id = table.Column<string>(type: "nvarchar(36)", maxLength: 36, nullable: false),
                    group_id = table.Column<string>(type: "nvarchar(36)", maxLength: 36, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    active_group_id = table.Column<string>(type: "nvarchar(36)", maxLength: 36, nullable: true),
                    status = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    status_reason = table.Column<string>(type: "nvarchar(1023)", maxLength: 1023, nullable: true),
                    min_healthy_percentage = table.Column<int>(type: "int", nullable: false),
                    instance_warmup = table.Column<int>(type: "int", nullable: true),
                    start_time = table.Column<DateTime>(type: "datetime2", nullable: false),
                    end_time = table.Column<DateTime>(type: "datetime2", nullable: true),
                    percentage_complete = table.Column<int>(type: "int", nullable: false),
                    instances_to_update = table.Column<int>(type: "int", nullable: false),
                    initial_instances_to_update = table.Column<int>(type: "int", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_instance_refreshes", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_instance_refreshes_active_group_id",
                schema: "compute",
                table: "instance_refreshes",
                column: "active_group_id",
                unique: true,
                filter: "[active_group_id] IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_instance_refreshes_group_id_start_time",
                schema: "compute",
                table: "instance_refreshes",
                columns: new[] { "group_id", "start_time" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "instance_refreshes",
                schema: "compute");
        }
    }
}
