using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Billing.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class Reservations : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "availability_zone",
                table: "billing_usage_records",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "reservation_id",
                table: "billing_invoice_lines",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "availability_zone",
                table: "billing_instance_runs",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "billing_reservations",
                columns: table => new
                {
                    reserved_instances_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    offering_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    instance_type = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    availability_zone = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    instance_count = table.Column<int>(type: "INTEGER", nullable: false),
                    offering_type = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    fixed_price = table.Column<decimal>(type: "TEXT", precision: 20, scale: 2, nullable: false),
                    recurring_hourly = table.Column<decimal>(type: "TEXT", precision: 20, scale: 10, nullable: false),
                    start_time = table.Column<DateTime>(type: "TEXT", nullable: false),
                    end_time = table.Column<DateTime>(type: "TEXT", nullable: false),
                    client_token = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_billing_reservations", x => x.reserved_instances_id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_billing_reservations_account_id_client_token",
                table: "billing_reservations",
                columns: new[] { "account_id", "client_token" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_billing_reservations_account_id_start_time",
                table: "billing_reservations",
                columns: new[] { "account_id", "start_time" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "billing_reservations");

            migrationBuilder.DropColumn(
                name: "availability_zone",
                table: "billing_usage_records");

            migrationBuilder.DropColumn(
                name: "reservation_id",
                table: "billing_invoice_lines");

            migrationBuilder.DropColumn(
                name: "availability_zone",
                table: "billing_instance_runs");
        }
    }
}
