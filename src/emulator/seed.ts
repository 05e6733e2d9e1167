/**
 * The seeded organization: BMB Wholesale (Palm Desert, CA) with its main
 * warehouse and the "VIP Smoke DTC" location, the custom fields of design.md,
 * a realistic smoke-shop catalog over every category of the compliance
 * ruleset, and optionally N generated items for benchmarks. Everything here
 * is deterministic: the same options give the same ids, SKUs and stock.
 */
import { seededRandom } from './format.js';
import type { CustomFieldDef, EmuItem, EmulatorState } from './state.js';

/** Seed timestamps are fixed (not clock-relative) so ids and times repeat across runs. */
const SEED_BASE_MS = Date.UTC(2025, 0, 6, 17, 0, 0);

export interface SeedResult {
  warehouseId: string;
  dtcId: string;
}

export function seedOrganization(state: EmulatorState, opts: { demo: boolean; extraItems: number }): SeedResult {
  const warehouseId = state.ids.next('location');
  const dtcId = state.ids.next('location');
  state.locations.push(
    {
      location_id: warehouseId,
      location_name: 'BMB Wholesale Main Warehouse',
      type: 'general',
      parent_location_id: '',
      is_primary: true,
      status: 'active',
      email: 'warehouse@bmbwholesale.example',
      phone: '+1 760 555 0140',
      address: {
        attention: '',
        street_address1: '42-600 Cook St',
        street_address2: 'Suite 110',
        city: 'Palm Desert',
        state: 'California',
        state_code: 'CA',
        country: 'U.S.A',
        zip: '92211',
      },
      associated_series_ids: [state.ids.next('misc')],
    },
    {
      location_id: dtcId,
      location_name: 'VIP Smoke DTC',
      type: 'general',
      parent_location_id: '',
      is_primary: false,
      status: 'active',
      email: 'orders@vipsmoke.example',
      phone: '+1 760 555 0100',
      address: {
        attention: 'VIP Smoke Fulfilment',
        street_address1: '73-510 Fred Waring Dr',
        street_address2: '',
        city: 'Palm Desert',
        state: 'California',
        state_code: 'CA',
        country: 'U.S.A',
        zip: '92260',
      },
      associated_series_ids: [],
    },
  );

  defineCustomFields(state);
  const categories = new Map<string, string>();
  const categoryId = (name: string): string => {
    let id = categories.get(name);
    if (!id) categories.set(name, (id = state.ids.next('category')));
    return id;
  };
  const groups = new Map<string, string>();
  const groupId = (name: string): string => {
    let id = groups.get(name);
    if (!id) groups.set(name, (id = state.ids.next('group')));
    return id;
  };

  let n = 0;
  const add = (d: DemoItem): void => {
    n += 1;
    const created = SEED_BASE_MS + n * 3_600_000;
    const item: EmuItem = {
      item_id: state.ids.next('item'),
      name: d.name,
      sku: d.sku,
      status: d.inactive ? 'inactive' : 'active',
      unit: d.unit ?? 'pcs',
      brand: d.brand,
      manufacturer: d.manufacturer ?? d.brand,
      category_id: categoryId(d.category),
      category_name: d.category,
      group_id: d.group ? groupId(d.group) : null,
      group_name: d.group ?? null,
      description: d.description ?? d.name,
      rate: d.rate,
      purchase_rate: Math.round(d.rate * 55) / 100,
      upc: d.upc ?? '',
      ean: '',
      reorder_level: d.reorder ?? 5,
      weight: d.weightLb.toFixed(2),
      weight_unit: 'lb',
      length: '',
      width: '',
      height: '',
      dimension_unit: 'in',
      image:
        d.image === false
          ? null
          : { name: `${d.sku.toLowerCase()}.png`, type: 'png', documentId: state.ids.next('document'), color: colorFor(d.sku) },
      created,
      // A few items were edited after creation, so last_modified_time differs from created_time.
      modified: created + (n % 3 === 0 ? 86_400_000 * (n % 11) : 0),
      cf: new Map(Object.entries(d.cf).filter(([, v]) => v !== undefined)),
      stock: new Map([
        [warehouseId, { onHand: d.stock[0], committed: 0 }],
        [dtcId, { onHand: d.stock[1], committed: 0 }],
      ]),
    };
    state.addItem(item);
  };

  if (opts.demo) for (const d of demoCatalog()) add(d);
  if (opts.extraItems > 0) for (const d of generatedItems(opts.extraItems)) add(d);
  return { warehouseId, dtcId };
}

function defineCustomFields(state: EmulatorState): void {
  const defs: Array<Omit<CustomFieldDef, 'customfield_id' | 'index' | 'is_active' | 'is_mandatory'> & { is_active?: boolean }> = [
    { entity: 'item', label: 'DTC Description', api_name: 'cf_dtc_description', data_type: 'string' },
    { entity: 'item', label: 'MSRP', api_name: 'cf_msrp', data_type: 'amount' },
    { entity: 'item', label: 'Club Discount (%)', api_name: 'cf_club_discount', data_type: 'decimal' },
    { entity: 'item', label: 'Age Verification Required', api_name: 'cf_age_required', data_type: 'check_box' },
    { entity: 'item', label: 'Restricted States', api_name: 'cf_restricted_states', data_type: 'multiselect', values: US_STATES },
    {
      entity: 'item',
      label: 'Compliance Category',
      api_name: 'cf_compliance_category',
      data_type: 'dropdown',
      values: [
        'tobacco_cigarettes',
        'tobacco_cigars',
        'tobacco_smokeless',
        'tobacco_pipe_shisha',
        'ends_vape',
        'eliquid',
        'hemp_cbd',
        'hemp_thc_intoxicating',
        'kratom',
        'accessories',
      ],
    },
    { entity: 'item', label: 'Flavored', api_name: 'cf_flavored', data_type: 'check_box' },
    { entity: 'item', label: 'Risk Level', api_name: 'cf_risk_level', data_type: 'dropdown', values: ['low', 'medium', 'high'] },
    { entity: 'item', label: 'Sell on DTC', api_name: 'cf_dtc_enabled', data_type: 'check_box' },
    // An abandoned field, inactive: a mapping that points at it must notice.
    { entity: 'item', label: 'Old Web Price', api_name: 'cf_old_web_price', data_type: 'amount', is_active: false },
    { entity: 'salesorder', label: 'Shop Order ID', api_name: 'cf_shop_order_id', data_type: 'string' },
    { entity: 'salesorder', label: 'Age Verification Ref', api_name: 'cf_age_verification_ref', data_type: 'string' },
    { entity: 'salesorder', label: 'Address Validation', api_name: 'cf_address_validation', data_type: 'string' },
    { entity: 'salesorder', label: 'Compliance Decision ID', api_name: 'cf_compliance_decision_id', data_type: 'string' },
    { entity: 'salesorder', label: 'Compliance Flags', api_name: 'cf_compliance_flags', data_type: 'multiline' },
    { entity: 'salesorder', label: 'Sales Channel', api_name: 'cf_sales_channel', data_type: 'dropdown', values: ['Web Shop', 'Phone', 'Wholesale'] },
    { entity: 'contact', label: 'Date of Birth', api_name: 'cf_date_of_birth', data_type: 'date' },
    { entity: 'contact', label: 'Age Verified', api_name: 'cf_age_verified', data_type: 'check_box' },
  ];
  const indexByEntity = new Map<string, number>();
  for (const d of defs) {
    const index = (indexByEntity.get(d.entity) ?? 0) + 1;
    indexByEntity.set(d.entity, index);
    state.customFields.push({
      ...d,
      customfield_id: state.ids.next('customfield'),
      index,
      is_active: d.is_active ?? true,
      is_mandatory: false,
    });
  }
}

interface DemoItem {
  sku: string;
  name: string;
  brand: string;
  manufacturer?: string;
  category: string;
  group?: string;
  rate: number;
  weightLb: number;
  /** [main warehouse, VIP Smoke DTC] on hand. */
  stock: [number, number];
  unit?: string;
  upc?: string;
  reorder?: number;
  description?: string;
  image?: boolean;
  inactive?: boolean;
  cf: Record<string, unknown>;
}

interface CfOpts {
  compliance: string | undefined;
  flavored: boolean;
  risk: 'low' | 'medium' | 'high';
  msrp: unknown;
  dtc?: boolean;
  age?: boolean;
  club?: number;
  restricted?: string | string[];
  description: string;
}

function cf(o: CfOpts): Record<string, unknown> {
  return {
    cf_dtc_description: o.description,
    cf_msrp: o.msrp,
    cf_club_discount: o.club ?? 10,
    cf_age_required: o.age ?? true,
    cf_restricted_states: o.restricted,
    cf_compliance_category: o.compliance,
    cf_flavored: o.flavored,
    cf_risk_level: o.risk,
    cf_dtc_enabled: o.dtc ?? true,
  };
}

/** Hand-written catalog: at least 40 items over every ruleset category, plus deliberate oddities. */
export function demoCatalog(): DemoItem[] {
  const PACT_BANNED = 'AZ,ME,NY'; // states whose delivery-sale bans the rules also cover; as text on some items
  return [
    // --- tobacco_cigarettes (incl. roll-your-own)
    { sku: 'CIG-NAS-BLU-CTN', name: 'Natural American Spirit Original Blue Carton', brand: 'Natural American Spirit', manufacturer: 'Santa Fe Natural Tobacco', category: 'Cigarettes', rate: 109.99, weightLb: 1.4, stock: [60, 12], upc: '018100000101',
      cf: cf({ compliance: 'tobacco_cigarettes', flavored: false, risk: 'high', msrp: 119.99, club: 0, restricted: PACT_BANNED, description: 'Additive-free tobacco, 10 packs of 20.' }) },
    { sku: 'CIG-MRL-GLD-CTN', name: 'Marlboro Gold Box King Carton', brand: 'Marlboro', manufacturer: 'Philip Morris USA', category: 'Cigarettes', rate: 94.5, weightLb: 1.3, stock: [80, 0],
      cf: cf({ compliance: 'tobacco_cigarettes', flavored: false, risk: 'high', msrp: 99.99, club: 0, dtc: false, restricted: ['AZ', 'ME', 'NY'], description: 'Gold box kings, carton of 10 packs.' }) },
    { sku: 'CIG-TOP-RYO-6OZ', name: 'Top Tobacco Roll-Your-Own 6 oz Can', brand: 'Top', manufacturer: 'Republic Tobacco', category: 'Cigarettes', rate: 21.99, weightLb: 0.55, stock: [40, 8],
      cf: cf({ compliance: 'tobacco_cigarettes', flavored: false, risk: 'high', msrp: 24.99, restricted: PACT_BANNED, description: 'Classic RYO tobacco, 6 oz can.' }) },
    // --- tobacco_cigars
    { sku: 'CGR-AFU-GRC', name: 'Arturo Fuente Gran Reserva Corona Cigar', brand: 'Arturo Fuente', category: 'Cigars', rate: 13.5, weightLb: 0.05, stock: [120, 25],
      cf: cf({ compliance: 'tobacco_cigars', flavored: false, risk: 'medium', msrp: 14.95, description: 'Premium handmade Dominican corona, Cameroon wrapper.' }) },
    { sku: 'CGR-PAD-64-EXC', name: 'Padron 1964 Anniversary Exclusivo Maduro', brand: 'Padron', category: 'Cigars', rate: 24.0, weightLb: 0.06, stock: [48, 6],
      cf: cf({ compliance: 'tobacco_cigars', flavored: false, risk: 'medium', msrp: 26.5, club: 5, description: 'Box-pressed Nicaraguan puro, aged 4 years.' }) },
    { sku: 'CGR-SWS-GRP-2PK', name: 'Swisher Sweets Grape Cigarillos 2-Pack', brand: 'Swisher Sweets', category: 'Cigars', group: 'Swisher Sweets Cigarillos', rate: 1.49, weightLb: 0.04, stock: [400, 60],
      cf: cf({ compliance: 'tobacco_cigars', flavored: true, risk: 'medium', msrp: 1.79, restricted: 'CA,MA', description: 'Grape flavored cigarillos, foil fresh.' }) },
    { sku: 'CGR-SWS-ORG-2PK', name: 'Swisher Sweets Original Cigarillos 2-Pack', brand: 'Swisher Sweets', category: 'Cigars', group: 'Swisher Sweets Cigarillos', rate: 1.49, weightLb: 0.04, stock: [350, 0],
      cf: cf({ compliance: 'tobacco_cigars', flavored: false, risk: 'medium', msrp: 1.79, description: 'Original cigarillos, foil fresh.' }) },
    { sku: 'CGR-BKW-HNY-5PK', name: 'Backwoods Honey Cigars 5-Pack', brand: 'Backwoods', category: 'Cigars', rate: 8.99, weightLb: 0.12, stock: [150, 30],
      cf: cf({ compliance: 'tobacco_cigars', flavored: true, risk: 'medium', msrp: 9.99, restricted: ['CA', 'MA'], description: 'Rustic honey flavored cigars.' }) },
    { sku: 'CGR-BLM-ORG', name: 'Black & Mild Original Pipe Tobacco Cigar', brand: 'Black & Mild', category: 'Cigars', rate: 1.25, weightLb: 0.02, stock: [500, 100],
      cf: cf({ compliance: 'tobacco_cigars', flavored: false, risk: 'medium', msrp: 1.49, description: 'Plastic tip, pipe tobacco cigar.' }) },
    // --- tobacco_smokeless
    { sku: 'SML-COP-WNT-LC', name: 'Copenhagen Long Cut Wintergreen', brand: 'Copenhagen', manufacturer: 'U.S. Smokeless Tobacco', category: 'Smokeless', rate: 7.49, weightLb: 0.1, stock: [200, 40],
      cf: cf({ compliance: 'tobacco_smokeless', flavored: true, risk: 'high', msrp: 7.99, restricted: 'AZ,ME,CA,MA', description: 'Wintergreen long cut moist snuff.' }) },
    { sku: 'SML-GRZ-STR-LC', name: 'Grizzly Straight Long Cut', brand: 'Grizzly', category: 'Smokeless', rate: 6.29, weightLb: 0.1, stock: [180, 0],
      cf: cf({ compliance: 'tobacco_smokeless', flavored: false, risk: 'high', msrp: 6.79, restricted: ['AZ', 'ME'], description: 'Natural straight long cut.' }) },
    { sku: 'SML-GEN-SNUS-WHT', name: 'General Classic White Portion Snus', brand: 'General', manufacturer: 'Swedish Match', category: 'Smokeless', rate: 6.99, weightLb: 0.08, stock: [90, 20],
      cf: cf({ compliance: 'tobacco_smokeless', flavored: false, risk: 'high', msrp: 7.49, restricted: 'AZ,ME', description: 'Swedish white portion snus.' }) },
    { sku: 'SML-ZYN-CMT-6', name: 'ZYN Cool Mint Nicotine Pouches 6mg', brand: 'ZYN', manufacturer: 'Swedish Match', category: 'Smokeless', rate: 5.99, weightLb: 0.05, stock: [600, 150],
      cf: cf({ compliance: 'tobacco_smokeless', flavored: true, risk: 'high', msrp: 6.49, restricted: ['AZ', 'ME', 'CA', 'MA'], description: 'Tobacco-leaf-free mint pouches, 15 per can.' }) },
    // --- ends_vape (flavored)
    { sku: 'VAP-GKB-PLS-BRZ', name: 'Geek Bar Pulse 15000 Blue Razz Ice', brand: 'Geek Bar', category: 'Vapes', group: 'Geek Bar Pulse', rate: 19.99, weightLb: 0.15, stock: [300, 45],
      cf: cf({ compliance: 'ends_vape', flavored: true, risk: 'high', msrp: 24.99, restricted: 'CA,MA,NJ,NY,RI,ME,GA', description: 'Disposable, 5% nicotine, dual mesh coil.' }) },
    { sku: 'VAP-GKB-PLS-WTM', name: 'Geek Bar Pulse 15000 Watermelon Ice', brand: 'Geek Bar', category: 'Vapes', group: 'Geek Bar Pulse', rate: 19.99, weightLb: 0.15, stock: [250, 0],
      cf: cf({ compliance: 'ends_vape', flavored: true, risk: 'high', msrp: 24.99, restricted: ['CA', 'MA', 'NJ', 'NY', 'RI', 'ME', 'GA'], description: 'Disposable, 5% nicotine, watermelon ice.' }) },
    { sku: 'VAP-LMY-MO5-SKW', name: 'Lost Mary MO5000 Strawberry Kiwi', brand: 'Lost Mary', category: 'Vapes', rate: 17.99, weightLb: 0.12, stock: [140, 22],
      cf: cf({ compliance: 'ends_vape', flavored: true, risk: 'high', msrp: 21.99, restricted: 'CA,MA,NJ,NY,RI,ME,GA', description: 'Rechargeable disposable, strawberry kiwi.' }) },
    { sku: 'VAP-BRZ-PRO-MNT', name: 'Breeze Pro Mint Disposable', brand: 'Breeze Smoke', category: 'Vapes', rate: 12.99, weightLb: 0.1, stock: [0, 0],
      cf: cf({ compliance: 'ends_vape', flavored: true, risk: 'high', msrp: 15.99, restricted: ['CA', 'MA', 'NJ', 'NY', 'RI', 'ME', 'GA'], description: 'Mint counts as a flavor in CA, MA and NY.' }) },
    // --- ends_vape (unflavored: tobacco-flavor pods, devices, coils)
    { sku: 'VAP-JUL-VTB-4PK', name: 'JUUL Virginia Tobacco Pods 5% 4-Pack', brand: 'JUUL', category: 'Vapes', rate: 20.99, weightLb: 0.08, stock: [220, 35],
      cf: cf({ compliance: 'ends_vape', flavored: false, risk: 'high', msrp: 23.99, restricted: 'NY,ME,GA', description: 'FDA-authorized tobacco flavor pods.' }) },
    { sku: 'VAP-VSE-ALT-GTB', name: 'Vuse Alto Golden Tobacco Pods 2-Pack', brand: 'Vuse', category: 'Vapes', rate: 13.49, weightLb: 0.06, stock: [160, 18],
      cf: cf({ compliance: 'ends_vape', flavored: false, risk: 'high', msrp: 14.99, restricted: ['NY', 'ME', 'GA'], description: 'Golden tobacco, 5% nicotine.' }) },
    { sku: 'VAP-SMK-NRD4-KIT', name: 'SMOK Nord 4 Pod Kit', brand: 'SMOK', category: 'Vape Hardware', rate: 34.99, weightLb: 0.45, stock: [70, 9],
      cf: cf({ compliance: 'ends_vape', flavored: false, risk: 'high', msrp: 39.99, restricted: 'NY,ME,GA', description: '80W pod mod kit, 2000 mAh.' }) },
    { sku: 'VAP-UWL-CLG2-CL4', name: 'Uwell Caliburn G2 Coils 4-Pack', brand: 'Uwell', category: 'Vape Hardware', rate: 11.99, weightLb: 0.05, stock: [110, 30],
      cf: cf({ compliance: 'ends_vape', flavored: false, risk: 'medium', msrp: 13.99, restricted: ['NY', 'ME', 'GA'], description: 'Replacement coils; ENDS components ship like vapes.' }) },
    // --- eliquid
    { sku: 'ELQ-NKD-LVF-60-3', name: 'Naked 100 Lava Flow 60ml 3mg', brand: 'Naked 100', category: 'E-Liquids', rate: 16.99, weightLb: 0.3, unit: 'btl', stock: [90, 14],
      cf: cf({ compliance: 'eliquid', flavored: true, risk: 'high', msrp: 19.99, restricted: 'CA,MA,NJ,NY,RI,ME,GA', description: 'Strawberry, pineapple and coconut.' }) },
    { sku: 'ELQ-CST-MNG-60-6', name: 'Coastal Clouds Mango Berries 60ml 6mg', brand: 'Coastal Clouds', category: 'E-Liquids', rate: 15.99, weightLb: 0.3, unit: 'btl', stock: [75, 0],
      cf: cf({ compliance: 'eliquid', flavored: true, risk: 'high', msrp: 18.99, restricted: ['CA', 'MA', 'NJ', 'NY', 'RI', 'ME', 'GA'], description: 'Mango and mixed berries.' }) },
    { sku: 'ELQ-HLO-TRB-30-12', name: 'Halo Tribeca 30ml 12mg', brand: 'Halo', category: 'E-Liquids', rate: 14.99, weightLb: 0.2, unit: 'btl', stock: [60, 10],
      cf: cf({ compliance: 'eliquid', flavored: false, risk: 'high', msrp: 16.99, restricted: 'NY,ME,GA', description: 'Tobacco blend, no characterizing flavor.' }) },
    { sku: 'ELQ-PCH-SLT-30-50', name: 'Pachamama Salt Fuji Apple 30ml 50mg', brand: 'Pachamama', category: 'E-Liquids', rate: 17.99, weightLb: 0.2, unit: 'btl', stock: [55, 11],
      description: 'Nicotine salt, 50 mg/mL (above the MA 35 mg/mL cap).',
      cf: cf({ compliance: 'eliquid', flavored: true, risk: 'high', msrp: 19.99, restricted: ['CA', 'MA', 'NJ', 'NY', 'RI', 'ME', 'GA'], description: 'Fuji apple, strawberry and nectarine nic salt.' }) },
    // --- hemp_cbd
    { sku: 'CBD-CMD-TIN-1500', name: 'cbdMD Full Spectrum Tincture 1500mg 30ml', brand: 'cbdMD', category: 'CBD', rate: 69.99, weightLb: 0.25, stock: [45, 12],
      cf: cf({ compliance: 'hemp_cbd', flavored: false, risk: 'medium', msrp: 79.99, club: 15, restricted: 'ID', description: 'Full spectrum hemp extract, natural flavor.' }) },
    { sku: 'CBD-CWB-GUM-30', name: "Charlotte's Web CBD Gummies Raspberry Lime 30ct", brand: "Charlotte's Web", category: 'CBD', rate: 39.99, weightLb: 0.35, stock: [50, 0],
      cf: cf({ compliance: 'hemp_cbd', flavored: true, risk: 'medium', msrp: 44.99, club: 15, restricted: ['ID'], description: 'Broad spectrum gummies, 10 mg per gummy.' }) },
    { sku: 'CBD-LAZ-BLM-2OZ', name: 'Lazarus Naturals CBD Relief Balm 2oz', brand: 'Lazarus Naturals', category: 'CBD', rate: 29.99, weightLb: 0.3, stock: [36, 9],
      cf: cf({ compliance: 'hemp_cbd', flavored: false, risk: 'low', msrp: 34.99, age: false, description: 'Topical balm with menthol and camphor.' }) },
    // --- hemp_thc_intoxicating
    { sku: 'THC-3CH-D8-GUM', name: '3Chi Delta-8 THC Gummies Black Raspberry 8ct', brand: '3Chi', category: 'Hemp THC', rate: 24.99, weightLb: 0.2, stock: [80, 20],
      cf: cf({ compliance: 'hemp_thc_intoxicating', flavored: true, risk: 'high', msrp: 29.99, restricted: ['AK', 'CA', 'CO', 'DE', 'ID', 'IA', 'MT', 'NV', 'NY', 'ND', 'RI', 'UT', 'VT', 'WA'], description: '25 mg delta-8 per gummy.' }) },
    { sku: 'THC-CKE-D8-DSP', name: 'Cake Delta-8 Disposable 2g Blue Dream', brand: 'Cake', category: 'Hemp THC', rate: 29.99, weightLb: 0.1, stock: [60, 15],
      cf: cf({ compliance: 'hemp_thc_intoxicating', flavored: false, risk: 'high', msrp: 34.99, restricted: 'AK,CA,CO,DE,ID,IA,MT,NV,NY,ND,RI,UT,VT,WA', description: 'Inhalable hemp THC: also an ENDS under PACT.' }) },
    { sku: 'THC-EXH-THCA-35', name: 'Exhale THCA Flower Gelato 3.5g', brand: 'Exhale', category: 'Hemp THC', rate: 34.99, weightLb: 0.1, stock: [25, 0],
      cf: cf({ compliance: 'hemp_thc_intoxicating', flavored: false, risk: 'high', msrp: 39.99, restricted: ['AK', 'CA', 'CO', 'DE', 'ID', 'IA', 'MT', 'NV', 'NY', 'ND', 'RI', 'UT', 'VT', 'WA'], description: 'Indoor THCA flower.' }) },
    // --- kratom
    { sku: 'KRT-OPM-GLD-CAP40', name: 'OPMS Gold Kratom Extract Capsules 40ct', brand: 'OPMS', category: 'Kratom', rate: 39.99, weightLb: 0.15, stock: [70, 16],
      cf: cf({ compliance: 'kratom', flavored: false, risk: 'high', msrp: 44.99, restricted: 'AL,AR,IN,RI,VT,WI,LA', description: 'Kratom extract capsules.' }) },
    { sku: 'KRT-MIT45-SHOT', name: 'MIT45 Kratom Extract Shot 15ml', brand: 'MIT45', category: 'Kratom', rate: 11.99, weightLb: 0.1, stock: [120, 30],
      cf: cf({ compliance: 'kratom', flavored: true, risk: 'high', msrp: 13.99, restricted: ['AL', 'AR', 'IN', 'RI', 'VT', 'WI', 'LA'], description: 'Liquid kratom extract, berry.' }) },
    { sku: 'KRT-RBL-PWD-250', name: 'Red Bali Kratom Powder 250g', brand: 'Kratom Spot', category: 'Kratom', rate: 34.99, weightLb: 0.6, stock: [40, 0],
      cf: cf({ compliance: 'kratom', flavored: false, risk: 'high', msrp: 39.99, restricted: 'AL,AR,IN,RI,VT,WI,LA', description: 'Fine ground red vein leaf.' }) },
    // --- accessories: papers
    { sku: 'ACC-RAW-KSS', name: 'RAW Classic King Size Slim Papers', brand: 'RAW', category: 'Papers', rate: 2.99, weightLb: 0.03, stock: [1200, 300], upc: '716165177388',
      cf: cf({ compliance: 'accessories', flavored: false, risk: 'low', msrp: 3.49, description: 'Unrefined natural rolling papers, 32 leaves.' }) },
    { sku: 'ACC-ZIG-ORG-114', name: 'Zig-Zag Orange 1 1/4 Papers', brand: 'Zig-Zag', category: 'Papers', rate: 1.99, weightLb: 0.02, stock: [900, 150],
      cf: cf({ compliance: 'accessories', flavored: false, risk: 'low', msrp: 2.49, description: 'Slow burning French orange papers.' }) },
    { sku: 'ACC-ELM-RCE-KS', name: 'Elements Rice King Size Papers', brand: 'Elements', category: 'Papers', rate: 2.49, weightLb: 0.03, stock: [600, 0],
      cf: cf({ compliance: 'accessories', flavored: false, risk: 'low', msrp: 2.99, description: 'Ultra thin rice papers.' }) },
    // --- accessories: glass
    { sku: 'ACC-GRV-BKR-8', name: 'GRAV 8in Beaker Water Pipe', brand: 'GRAV', category: 'Glass', rate: 59.99, weightLb: 2.8, stock: [25, 5],
      cf: cf({ compliance: 'accessories', flavored: false, risk: 'medium', msrp: 69.99, description: 'Borosilicate beaker with diffused downstem.' }) },
    { sku: 'ACC-GLS-SPN-4', name: 'Glass Spoon Hand Pipe 4in Assorted', brand: 'House Glass', category: 'Glass', rate: 14.99, weightLb: 0.25, stock: [80, 20],
      cf: cf({ compliance: 'accessories', flavored: false, risk: 'medium', msrp: 17.99, description: 'Color-changing spoon pipe.' }) },
    { sku: 'ACC-SCZ-SHR-4PC', name: 'Santa Cruz Shredder 4-Piece Grinder', brand: 'Santa Cruz Shredder', category: 'Grinders', rate: 54.99, weightLb: 0.6, stock: [30, 0],
      cf: cf({ compliance: 'accessories', flavored: false, risk: 'low', msrp: 64.99, age: false, description: 'Hemp-plastic grinder, made in USA.' }) },
    // --- accessories: lighters
    { sku: 'ACC-CLP-LTR-4PK', name: 'Clipper Refillable Lighters 4-Pack', brand: 'Clipper', category: 'Lighters', rate: 6.99, weightLb: 0.2, stock: [300, 80],
      cf: cf({ compliance: 'accessories', flavored: false, risk: 'low', msrp: 7.99, age: false, description: 'Refillable flint lighters.' }) },
    { sku: 'ACC-BIC-CLS-5PK', name: 'BIC Classic Lighters 5-Pack', brand: 'BIC', category: 'Lighters', rate: 7.49, weightLb: 0.3, stock: [250, 40],
      cf: cf({ compliance: 'accessories', flavored: false, risk: 'low', msrp: 8.49, age: false, description: 'Classic pocket lighters.' }) },
    { sku: 'ACC-ZPO-CLS-BRC', name: 'Zippo Classic Brushed Chrome Lighter', brand: 'Zippo', category: 'Lighters', rate: 19.99, weightLb: 0.15, stock: [45, 10],
      cf: cf({ compliance: 'accessories', flavored: false, risk: 'low', msrp: 22.95, age: false, club: 0, description: 'Windproof, lifetime guarantee.' }) },
    // --- accessories: hookahs (heavy: package-weight limits)
    { sku: 'HKH-KMM-TRD-32', name: 'Khalil Mamoon Traditional Hookah 32in', brand: 'Khalil Mamoon', category: 'Hookah', rate: 129.99, weightLb: 8.5, stock: [12, 3],
      cf: cf({ compliance: 'accessories', flavored: false, risk: 'medium', msrp: 149.99, description: 'Hand-made Egyptian steel stem, glass base.' }) },
    { sku: 'HKH-CCN-CHR-3KG', name: 'Coco Nara Natural Hookah Charcoal 3kg', brand: 'Coco Nara', category: 'Hookah', rate: 24.99, weightLb: 6.8, stock: [40, 6],
      cf: cf({ compliance: 'accessories', flavored: false, risk: 'low', msrp: 29.99, age: false, description: 'Coconut shell cubes, 3 kg box.' }) },
    { sku: 'HKH-OOD-PRO-BWL', name: 'Oduman Phunnel Bowl', brand: 'Oduman', category: 'Hookah', rate: 16.99, weightLb: 0.7, stock: [35, 0], image: false,
      cf: cf({ compliance: 'accessories', flavored: false, risk: 'low', msrp: 19.99, dtc: false, description: 'Clay phunnel bowl (not yet enabled for the web shop).' }) },
    // --- shisha: a category the ruleset does not list
    { sku: 'SHI-ALF-DAP-250', name: 'Al Fakher Double Apple Shisha 250g', brand: 'Al Fakher', category: 'Shisha', rate: 14.99, weightLb: 0.6, stock: [70, 18],
      cf: cf({ compliance: 'tobacco_pipe_shisha', flavored: true, risk: 'high', msrp: 17.99, restricted: 'CA,MA', description: 'Molasses tobacco, anise double apple.' }) },
    // --- unknown compliance category (empty field)
    { sku: 'MSC-VIP-MYS-BOX', name: 'VIP Smoke Mystery Box', brand: 'VIP Smoke', category: 'Bundles', rate: 49.99, weightLb: 2.0, stock: [20, 10],
      cf: cf({ compliance: undefined, flavored: false, risk: 'medium', msrp: 59.99, description: 'Surprise assortment, category not set yet.' }) },
    // --- deliberately broken custom fields (mapping problems to show on the dashboard)
    { sku: 'ACC-RAW-CON-KS', name: 'RAW Classic Pre-Rolled Cones King Size 3-Pack', brand: 'RAW', category: 'Papers', rate: 3.49, weightLb: 0.03, stock: [500, 120],
      cf: cf({ compliance: 'accessories', flavored: false, risk: 'low', msrp: 'abc', description: 'Pre-rolled cones; its MSRP field holds "abc".' }) },
    { sku: 'VAP-ELF-BC5-PLT', name: 'Elf Bar BC5000 Peach Lemonade Tea', brand: 'Elf Bar', category: 'Vapes', rate: 16.99, weightLb: 0.12, stock: [90, 25],
      cf: {
        ...cf({ compliance: 'ends_vape', flavored: true, risk: 'high', msrp: 19.99, restricted: 'CA,MA,NJ,NY,RI,ME,GA', description: 'Rechargeable disposable.' }),
        cf_club_discount: 'ten percent',
        cf_risk_level: 'extreme',
      } },
    // --- inactive item (discontinued)
    { sku: 'VAP-PFB-ORG-DSC', name: 'Puff Bar Original (Discontinued)', brand: 'Puff Bar', category: 'Vapes', rate: 9.99, weightLb: 0.08, stock: [0, 0], inactive: true,
      cf: cf({ compliance: 'ends_vape', flavored: true, risk: 'high', msrp: 11.99, dtc: false, description: 'Discontinued.' }) },
  ];
}

const GEN_KINDS: Array<{ prefix: string; category: string; compliance: string; flavored: boolean; risk: 'low' | 'medium' | 'high'; names: string[]; rate: [number, number]; weight: [number, number] }> = [
  { prefix: 'CIG', category: 'Cigarettes', compliance: 'tobacco_cigarettes', flavored: false, risk: 'high', names: ['Kings', '100s', 'Lights'], rate: [70, 120], weight: [1, 1.5] },
  { prefix: 'CGR', category: 'Cigars', compliance: 'tobacco_cigars', flavored: false, risk: 'medium', names: ['Robusto', 'Toro', 'Churchill'], rate: [6, 30], weight: [0.04, 0.1] },
  { prefix: 'SML', category: 'Smokeless', compliance: 'tobacco_smokeless', flavored: true, risk: 'high', names: ['Wintergreen', 'Mint', 'Straight'], rate: [5, 9], weight: [0.05, 0.12] },
  { prefix: 'VAP', category: 'Vapes', compliance: 'ends_vape', flavored: true, risk: 'high', names: ['Blue Razz', 'Tobacco', 'Peach Ice'], rate: [12, 30], weight: [0.08, 0.2] },
  { prefix: 'ELQ', category: 'E-Liquids', compliance: 'eliquid', flavored: true, risk: 'high', names: ['Mango', 'Custard', 'Tobacco'], rate: [12, 25], weight: [0.15, 0.35] },
  { prefix: 'CBD', category: 'CBD', compliance: 'hemp_cbd', flavored: false, risk: 'medium', names: ['Tincture', 'Gummies', 'Balm'], rate: [20, 90], weight: [0.2, 0.4] },
  { prefix: 'THC', category: 'Hemp THC', compliance: 'hemp_thc_intoxicating', flavored: false, risk: 'high', names: ['Gummies', 'Cart', 'Flower'], rate: [15, 45], weight: [0.1, 0.3] },
  { prefix: 'KRT', category: 'Kratom', compliance: 'kratom', flavored: false, risk: 'high', names: ['Capsules', 'Powder', 'Shot'], rate: [10, 45], weight: [0.1, 0.7] },
  { prefix: 'ACC', category: 'Glass', compliance: 'accessories', flavored: false, risk: 'low', names: ['Papers', 'Lighter', 'Pipe'], rate: [2, 80], weight: [0.02, 3] },
];

/** Benchmark items: `GEN-<PREFIX>-00001`…, stock and prices from a fixed-seed generator. */
export function generatedItems(count: number): DemoItem[] {
  const rnd = seededRandom(20_240_521);
  const out: DemoItem[] = [];
  for (let i = 1; i <= count; i++) {
    const kind = GEN_KINDS[(i - 1) % GEN_KINDS.length]!;
    const variant = kind.names[Math.floor(rnd() * kind.names.length)] ?? kind.names[0]!;
    const rate = Math.round((kind.rate[0] + rnd() * (kind.rate[1] - kind.rate[0])) * 100) / 100;
    const weight = Math.round((kind.weight[0] + rnd() * (kind.weight[1] - kind.weight[0])) * 100) / 100;
    const dtcStock = rnd() < 0.15 ? 0 : Math.floor(rnd() * 60);
    const restricted = rnd() < 0.3 ? (i % 2 === 0 ? 'NY,ME' : ['NY', 'ME']) : undefined;
    const num = String(i).padStart(5, '0');
    out.push({
      sku: `GEN-${kind.prefix}-${num}`,
      name: `Generated ${kind.category} ${variant} #${num}`,
      brand: `Brand ${String.fromCharCode(65 + (i % 26))}`,
      category: kind.category,
      rate,
      weightLb: weight,
      stock: [Math.floor(rnd() * 500), dtcStock],
      image: i % 10 === 0,
      cf: cf({
        compliance: kind.compliance,
        flavored: kind.flavored && variant !== 'Tobacco',
        risk: kind.risk,
        msrp: Math.round(rate * 120) / 100,
        dtc: rnd() > 0.05,
        restricted,
        description: `Generated ${kind.category.toLowerCase()} item ${num}.`,
      }),
    });
  }
  return out;
}

function colorFor(sku: string): string {
  let h = 0;
  for (const ch of sku) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return `#${(h & 0xffffff).toString(16).padStart(6, '0')}`;
}

const US_STATES = [
  'AL', 'AK', 'AZ', 'AR', 'CA', 'CO', 'CT', 'DE', 'DC', 'FL', 'GA', 'HI', 'ID', 'IL', 'IN', 'IA', 'KS', 'KY', 'LA', 'ME', 'MD',
  'MA', 'MI', 'MN', 'MS', 'MO', 'MT', 'NE', 'NV', 'NH', 'NJ', 'NM', 'NY', 'NC', 'ND', 'OH', 'OK', 'OR', 'PA', 'RI', 'SC', 'SD',
  'TN', 'TX', 'UT', 'VT', 'VA', 'WA', 'WV', 'WI', 'WY',
];
