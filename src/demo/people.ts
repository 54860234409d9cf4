// The demo's people. Every name here is invented: none is, or stands for, a real mayor or official
// of these (real) cities. Each city's signatory signs with a title in the language the city endorses
// in (its preferred language), as such titles are really worded there; its official is the person
// with the city's account on the platform, who reports progress.

export interface DemoCityPeople {
  signatory: { name: string; title: string };
  official: string;
}

export const demoPeople: Record<string, DemoCityPeople> = {
  Quito: {
    signatory: { name: 'Mariana Cevallos Andrade', title: 'Alcaldesa del Distrito Metropolitano de Quito' },
    official: 'Diego Salazar',
  },
  Bogotá: { signatory: { name: 'Andrés Felipe Rojas', title: 'Alcalde Mayor de Bogotá' }, official: 'Laura Pineda' },
  'São Paulo': {
    signatory: { name: 'Ricardo Almeida Nunes', title: 'Alcalde de São Paulo' },
    official: 'Beatriz Carvalho',
  },
  Montréal: { signatory: { name: 'Geneviève Tremblay', title: 'Mairesse de Montréal' }, official: 'Mathieu Gagnon' },
  Kraków: { signatory: { name: 'Tomasz Wiśniewski', title: 'Mayor of Kraków' }, official: 'Agnieszka Nowak' },
  Αθήνα: {
    signatory: { name: 'Nikos Papadakis', title: 'Deputy Mayor for Social Solidarity, Athens' },
    official: 'Eleni Georgiou',
  },
  Київ: { signatory: { name: 'Olena Kovalenko', title: 'Mayor of Kyiv' }, official: 'Andriy Shevchuk' },
  Freetown: { signatory: { name: 'Fatmata Kamara', title: 'Mayor of Freetown' }, official: 'Ibrahim Sesay' },
  Kampala: { signatory: { name: 'Grace Nakato', title: 'Lord Mayor of Kampala' }, official: 'Moses Okello' },
  Dakar: { signatory: { name: 'Aminata Diop', title: 'Maire de Dakar' }, official: 'Cheikh Ndiaye' },
  Amman: { signatory: { name: 'Khaled Haddad', title: 'Mayor of Greater Amman' }, official: 'Rania Al-Masri' },
  'Dhaka North': {
    signatory: { name: 'Farhana Rahman', title: 'Mayor, Dhaka North City Corporation' },
    official: 'Tanvir Hossain',
  },
  'Ciudad de México': {
    signatory: { name: 'Claudia Ortega Ríos', title: 'Jefa de Gobierno de la Ciudad de México' },
    official: 'Jorge Méndez',
  },
  Melbourne: { signatory: { name: 'Sarah Whitfield', title: 'Lord Mayor of Melbourne' }, official: "James O'Connor" },
  Lisboa: { signatory: { name: 'João Figueiredo', title: 'Mayor of Lisbon' }, official: 'Inês Marques' },
  Barcelona: { signatory: { name: 'Núria Puig Ferrer', title: 'Alcaldesa de Barcelona' }, official: 'Jordi Vidal' },
  Milano: { signatory: { name: 'Giulia Bernardi', title: 'Mayor of Milan' }, official: 'Luca Colombo' },
  Bristol: { signatory: { name: 'David Ashworth', title: 'Mayor of Bristol' }, official: 'Priya Sharma' },
  Amsterdam: { signatory: { name: 'Femke de Vries', title: 'Mayor of Amsterdam' }, official: 'Sander Bakker' },
  Gdańsk: { signatory: { name: 'Katarzyna Zielińska', title: 'Mayor of Gdańsk' }, official: 'Paweł Kowalczyk' },
  Zürich: { signatory: { name: 'Regula Brunner', title: 'Présidente de la Ville de Zurich' }, official: 'Marc Keller' },
  Strasbourg: { signatory: { name: 'Claire Schmitt', title: 'Maire de Strasbourg' }, official: 'Thomas Weber' },
  Montevideo: { signatory: { name: 'Carolina Pereyra', title: 'Intendenta de Montevideo' }, official: 'Martín Silva' },
  Lima: { signatory: { name: 'Jorge Quispe Huamán', title: 'Alcalde de Lima Metropolitana' }, official: 'Rosa Mamani' },
  Santiago: { signatory: { name: 'Francisca Muñoz', title: 'Alcaldesa de Santiago' }, official: 'Felipe Contreras' },
  Medellín: { signatory: { name: 'Alejandro Restrepo', title: 'Alcalde de Medellín' }, official: 'Catalina Gómez' },
  'Guatemala City': {
    signatory: { name: 'Luis Fernando Herrera', title: 'Alcalde de la Ciudad de Guatemala' },
    official: 'Ana Lucía Morales',
  },
  'Los Angeles': { signatory: { name: 'Michelle Carter', title: 'Mayor of Los Angeles' }, official: 'Daniel Kim' },
  'New York City': {
    signatory: { name: 'Robert Delgado', title: 'Mayor of New York City' },
    official: 'Aisha Johnson',
  },
  Toronto: { signatory: { name: 'Emily Chen', title: 'Mayor of Toronto' }, official: 'Ryan MacDonald' },
  'Port-au-Prince': {
    signatory: { name: 'Jean-Robert Pierre', title: 'Maire de Port-au-Prince' },
    official: 'Nadège Joseph',
  },
  Abidjan: {
    signatory: { name: 'Koffi Yao', title: "Gouverneur du District autonome d'Abidjan" },
    official: 'Awa Coulibaly',
  },
  Accra: { signatory: { name: 'Kwame Mensah', title: 'Mayor of Accra' }, official: 'Abena Owusu' },
  Nairobi: { signatory: { name: 'Wanjiru Kamau', title: 'Governor of Nairobi City County' }, official: 'Brian Otieno' },
  'Addis Ababa': { signatory: { name: 'Hirut Tadesse', title: 'Mayor of Addis Ababa' }, official: 'Dawit Bekele' },
  Johannesburg: {
    signatory: { name: 'Sipho Dlamini', title: 'Executive Mayor of Johannesburg' },
    official: 'Lerato Mokoena',
  },
  Tunis: { signatory: { name: 'Leïla Ben Salah', title: 'Maire de Tunis' }, official: 'Karim Trabelsi' },
  Rabat: { signatory: { name: 'Youssef El Amrani', title: 'Maire de Rabat' }, official: 'Salma Bennani' },
  Beirut: { signatory: { name: 'Ziad Khoury', title: 'Mayor of Beirut' }, official: 'Maya Saleh' },
  Gaziantep: {
    signatory: { name: 'Ayşe Yıldız', title: 'Mayor of Gaziantep Metropolitan Municipality' },
    official: 'Emre Demir',
  },
  Istanbul: {
    signatory: { name: 'Mehmet Aydın', title: 'Mayor of Istanbul Metropolitan Municipality' },
    official: 'Zeynep Kaya',
  },
  Mumbai: { signatory: { name: 'Anjali Deshpande', title: 'Mayor of Mumbai' }, official: 'Rahul Patil' },
  Kathmandu: {
    signatory: { name: 'Bikash Shrestha', title: 'Mayor of Kathmandu Metropolitan City' },
    official: 'Sita Gurung',
  },
  'Quezon City': { signatory: { name: 'Maria Teresa Santos', title: 'Mayor of Quezon City' }, official: 'Paolo Reyes' },
  Seoul: { signatory: { name: 'Park Ji-hoon', title: 'Mayor of Seoul' }, official: 'Kim Min-seo' },
  Sydney: { signatory: { name: 'Catherine Hughes', title: 'Lord Mayor of Sydney' }, official: 'Liam Walsh' },
  Auckland: { signatory: { name: 'Hemi Walker', title: 'Mayor of Auckland' }, official: 'Sophie Taylor' },
  Suva: { signatory: { name: 'Losana Vunidilo', title: 'Lord Mayor of Suva' }, official: 'Josefa Naivalu' },
};

/** The people of a demo city (every demo city has them: a test says so). */
export function peopleOf(city: string): DemoCityPeople {
  const people = demoPeople[city];
  if (!people) throw new Error(`no demo people for ${city}`);
  return people;
}

/** An address on the demo domain from a person's name: "Inês Marques" → ines.marques@… */
export function demoEmail(name: string): string {
  const local = name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z]+/g, '.')
    .replace(/^\.|\.$/g, '');
  return `${local}@demo.actionpledge.org`;
}
