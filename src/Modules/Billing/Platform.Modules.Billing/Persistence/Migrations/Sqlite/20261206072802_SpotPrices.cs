using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Billing.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class SpotPrices : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "billing_spot_prices",
                columns: table => new
                {
                    instance_type = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    availability_zone = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    effective_from = table.Column<DateTime>(type: "TEXT", nullable: false),
                    price_per_hour = table.Column<decimal>(type: "TEXT", precision: 20, scale: 10, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_billing_spot_prices", x => new { x.instance_type, x.availability_zone, x.effective_from });
                });

            migrationBuilder.CreateIndex(
                name: "IX_billing_spot_prices_effective_from",
                table: "billing_spot_prices",
                column: "effective_from");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "billing_spot_prices");
        }
    }
}
