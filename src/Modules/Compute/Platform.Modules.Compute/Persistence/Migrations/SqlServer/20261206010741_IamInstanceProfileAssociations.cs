using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Compute.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class IamInstanceProfileAssociations : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "iam_instance_profile_arn",
                schema: "compute",
                table: "instances",
                type: "nvarchar(2048)",
                maxLength: 2048,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "iam_instance_profile_associated_at",
                schema: "compute",
                table: "instances",
                type: "datetime2",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "iam_instance_profile_association_id",
                schema: "compute",
                table: "instances",
                type: "nvarchar(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "iam_instance_profile_id",
                schema: "compute",
                table: "instances",
                type: "nvarchar(128)",
                maxLength: 128,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_instances_iam_instance_profile_association_id",
                schema: "compute",
                table: "instances",
                column: "iam_instance_profile_association_id",
                unique: true,
                filter: "iam_instance_profile_association_id IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_instances_iam_instance_profile_association_id",
                schema: "compute",
                table: "instances");

            migrationBuilder.DropColumn(
                name: "iam_instance_profile_arn",
                schema: "compute",
                table: "instances");

            migrationBuilder.DropColumn(
                name: "iam_instance_profile_associated_at",
                schema: "compute",
                table: "instances");

            migrationBuilder.DropColumn(
                name: "iam_instance_profile_association_id",
                schema: "compute",
                table: "instances");

            migrationBuilder.DropColumn(
                name: "iam_instance_profile_id",
                schema: "compute",
                table: "instances");
        }
    }
}
