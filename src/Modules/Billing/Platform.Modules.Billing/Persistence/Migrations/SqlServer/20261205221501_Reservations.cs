using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Billing.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class Reservations : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "availability_zone",
                schema: "billing",
                table: "usage_records",
                type: "nvarchar(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "reservation_id",
                schema: "billing",
                table: "invoice_lines",
                type: "nvarchar(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "availability_zone",
                schema: "billing",
                table: "instance_runs",
                type: "nvarchar(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "reservations",
                schema: "billing",
                columns: table => new
                {
                    reserved_instances_id = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    offering_id = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    instance_type = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    availability_zone = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: true),
                    instance_count = table.Column<int>(type: "int", nullable: false),
                    offering_type = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    fixed_price = table.Column<decimal>(type: "decimal(20,2)", precision: 20, scale: 2, nullable: false),
                    recurring_hourly = table.Column<decimal>(type: "decimal(20,10)", precision: 20, scale: 10, nullable: false),
                    start_time = table.Column<DateTime>(type: "datetime2", nullable: false),
                    end_time = table.Column<DateTime>(type: "datetime2", nullable: false),
                    client_token = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_reservations", x => x.reserved_instances_id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_reservations_account_id_client_token",
                schema: "billing",
                table: "reservations",
                columns: new[] { "account_id", "client_token" },
                unique: true,
                filter: "[client_token] IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_reservations_account_id_start_time",
                schema: "billing",
                table: "reservations",
                columns: new[] { "account_id", "start_time" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "reservations",
                schema: "billing");

            migrationBuilder.DropColumn(
                name: "availability_zone",
                schema: "billing",
                table: "usage_records");

            migrationBuilder.DropColumn(
                name: "reservation_id",
                schema: "billing",
                table: "invoice_lines");

            migrationBuilder.DropColumn(
                name: "availability_zone",
                schema: "billing",
                table: "instance_runs");
        }
    }
}
