using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Billing.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class SpotPrices : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "spot_prices",
                schema: "billing",
                columns: table => new
                {
                    instance_type = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    availability_zone = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    effective_from = table.Column<DateTime>(type: "datetime2", nullable: false),
                    price_per_hour = table.Column<decimal>(type: "decimal(20,10)", precision: 20, scale: 10, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_spot_prices", x => new { x.instance_type, x.availability_zone, x.effective_from });
                });

            migrationBuilder.CreateIndex(
                name: "IX_spot_prices_effective_from",
                schema: "billing",
                table: "spot_prices",
                column: "effective_from");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "spot_prices",
                schema: "billing");
        }
    }
}
