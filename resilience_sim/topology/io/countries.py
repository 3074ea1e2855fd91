"""Country names of the submarine-cable data and their ISO 3166-1 alpha-2 codes.

Topology stage, used by the submarine-cable importer to accept ``TO,FJ,WS`` as well
as ``Tonga,Fiji,Samoa``. The table covers exactly the 180 country / territory names
that occur as ``landing_points[*].country`` in the TeleGeography Submarine Cable Map
data (API v3, 2022-11-10), written by hand from the ISO 3166-1 alpha-2 code list
(ISO 3166 Maintenance Agency); names are spelled as in that data. A test checks that
every country in the data is in the table.
"""

from __future__ import annotations

ISO_ALPHA2: dict[str, str] = {
    "Albania": "AL", "Algeria": "DZ", "American Samoa": "AS", "Angola": "AO",
    "Anguilla": "AI", "Antigua and Barbuda": "AG", "Argentina": "AR", "Aruba": "AW",
    "Australia": "AU", "Bahamas": "BS", "Bahrain": "BH", "Bangladesh": "BD",
    "Barbados": "BB", "Belgium": "BE", "Belize": "BZ", "Benin": "BJ", "Bermuda": "BM",
    "Bonaire, Sint Eustatius and Saba": "BQ", "Brazil": "BR", "Brunei": "BN",
    "Bulgaria": "BG", "Cambodia": "KH", "Cameroon": "CM", "Canada": "CA",
    "Cape Verde": "CV", "Cayman Islands": "KY", "Chile": "CL", "China": "CN",
    "Christmas Island": "CX", "Cocos (Keeling) Islands": "CC", "Colombia": "CO",
    "Comoros": "KM", "Congo, Dem. Rep.": "CD", "Congo, Rep.": "CG", "Cook Islands": "CK",
    "Costa Rica": "CR", "Croatia": "HR", "Cuba": "CU", "Curaçao": "CW", "Cyprus": "CY",
    "Côte d'Ivoire": "CI", "Denmark": "DK", "Djibouti": "DJ", "Dominica": "DM",
    "Dominican Republic": "DO", "Ecuador": "EC", "Egypt": "EG", "Equatorial Guinea": "GQ",
    "Estonia": "EE", "Faroe Islands": "FO", "Fiji": "FJ", "Finland": "FI", "France": "FR",
    "French Guiana": "GF", "French Polynesia": "PF", "Gabon": "GA", "Gambia": "GM",
    "Georgia": "GE", "Germany": "DE", "Ghana": "GH", "Gibraltar": "GI", "Greece": "GR",
    "Greenland": "GL", "Grenada": "GD", "Guadeloupe": "GP", "Guam": "GU",
    "Guatemala": "GT", "Guernsey": "GG", "Guinea": "GN", "Guinea-Bissau": "GW",
    "Guyana": "GY", "Haiti": "HT", "Honduras": "HN", "Iceland": "IS", "India": "IN",
    "Indonesia": "ID", "Iran": "IR", "Iraq": "IQ", "Ireland": "IE", "Isle of Man": "IM",
    "Israel": "IL", "Italy": "IT", "Jamaica": "JM", "Japan": "JP", "Jersey": "JE",
    "Jordan": "JO", "Kenya": "KE", "Kiribati": "KI", "Kuwait": "KW", "Latvia": "LV",
    "Lebanon": "LB", "Liberia": "LR", "Libya": "LY", "Lithuania": "LT",
    "Madagascar": "MG", "Malaysia": "MY", "Maldives": "MV", "Malta": "MT",
    "Marshall Islands": "MH", "Martinique": "MQ", "Mauritania": "MR", "Mauritius": "MU",
    "Mayotte": "YT", "Mexico": "MX", "Micronesia": "FM", "Monaco": "MC",
    "Montserrat": "MS", "Morocco": "MA", "Mozambique": "MZ", "Myanmar": "MM",
    "Namibia": "NA", "Netherlands": "NL", "New Caledonia": "NC", "New Zealand": "NZ",
    "Nicaragua": "NI", "Nigeria": "NG", "Niue": "NU", "Northern Mariana Islands": "MP",
    "Norway": "NO", "Oman": "OM", "Pakistan": "PK", "Palau": "PW", "Panama": "PA",
    "Papua New Guinea": "PG", "Peru": "PE", "Philippines": "PH", "Poland": "PL",
    "Portugal": "PT", "Qatar": "QA", "Romania": "RO", "Russia": "RU", "Réunion": "RE",
    "Saint Barthélemy": "BL", "Saint Helena, Ascension and Tristan da Cunha": "SH",
    "Saint Kitts and Nevis": "KN", "Saint Lucia": "LC", "Saint Martin": "MF",
    "Saint Pierre and Miquelon": "PM", "Saint Vincent and the Grenadines": "VC",
    "Samoa": "WS", "Sao Tome and Principe": "ST", "Saudi Arabia": "SA", "Senegal": "SN",
    "Seychelles": "SC", "Sierra Leone": "SL", "Singapore": "SG", "Sint Maarten": "SX",
    "Solomon Islands": "SB", "Somalia": "SO", "South Africa": "ZA", "South Korea": "KR",
    "Spain": "ES", "Sri Lanka": "LK", "Sudan": "SD", "Suriname": "SR", "Sweden": "SE",
    "Syria": "SY", "Taiwan": "TW", "Tanzania": "TZ", "Thailand": "TH",
    "Timor-Leste": "TL", "Togo": "TG", "Tokelau": "TK", "Tonga": "TO",
    "Trinidad and Tobago": "TT", "Tunisia": "TN", "Turkey": "TR",
    "Turks and Caicos Islands": "TC", "Ukraine": "UA", "United Arab Emirates": "AE",
    "United Kingdom": "GB", "United States": "US", "Uruguay": "UY", "Vanuatu": "VU",
    "Venezuela": "VE", "Vietnam": "VN", "Virgin Islands (U.K.)": "VG",
    "Virgin Islands (U.S.)": "VI", "Wallis and Futuna": "WF", "Yemen": "YE",
}  # fmt: skip

COUNTRY_OF_ALPHA2: dict[str, str] = {code: name for name, code in ISO_ALPHA2.items()}
