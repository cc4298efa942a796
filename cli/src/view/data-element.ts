/** The id of the `<script type="application/json">` element that carries the report's data. */
export const dataElementId = 'hoptrace-data';
